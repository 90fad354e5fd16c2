"""The containers' health check (docker-compose.yml): ask the web process's /healthz or /readyz, standard library only.

    python deploy/healthcheck.py http://127.0.0.1:8000/readyz            # 0 when the answer is 200
    python deploy/healthcheck.py http://web:8000/readyz scheduler        # 0 when also checks.scheduler.ok

The request names the site's host (the first of DJANGO_ALLOWED_HOSTS), which Django requires. Exit 0 healthy, 1 not.
"""

import json
import os
import sys
import urllib.error
import urllib.request


def healthy(url: str, check: str | None = None) -> bool:
    host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost"
    request = urllib.request.Request(url, headers={"Host": host, "Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a URL the compose file gives
            if response.status != 200:
                return False
            answer = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return check is None or bool(answer.get("checks", {}).get(check, {}).get("ok"))


if __name__ == "__main__":
    sys.exit(0 if healthy(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None) else 1)
