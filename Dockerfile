FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 DJANGO_SETTINGS_MODULE=htg_migration.settings.production
WORKDIR /app
COPY pyproject.toml dev.py ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt && pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0
RUN useradd --system --uid 1000 htg && mkdir -p /app/var && chown -R htg /app/var
USER htg
EXPOSE 8000
CMD ["gunicorn", "htg_migration.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
