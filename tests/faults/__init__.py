"""Fault tests (issue 15 item 10; marker `faults`, run alone with `pytest -m faults`; docs/operations.md).

The choice: the app under test runs as separate processes, as in production (Celery workers, `celery beat`, gunicorn),
on services the tests start themselves (a PostgreSQL cluster, a redis-server, an SMTP sink: conftest.py). A fault is
then a real one (SIGKILL, a server stopped under open connections, a silence after DATA), met by the code that meets
it in production, and recovery is seen from outside: the sink counts what arrived by Message-ID, the database holds
each row's outcome, /readyz and the pages are asked over HTTP. The test process writes rows through the app's own
services and reads results, with its Django connection pointed at the test's own database; where a test plays the
scheduler (to skip a one-minute grace), it calls the same sweep functions the beat entry runs.
"""
