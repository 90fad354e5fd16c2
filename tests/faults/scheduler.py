"""`celery beat` with the app's schedule, every interval entry (the sweeps, the resumes, the heartbeat) every N
seconds instead of its production interval, for the fault tests: `python -m tests.faults.scheduler SECONDS FILE`."""

import sys

from htg_migration.celery import app


def main() -> int:
    seconds, schedule_file = float(sys.argv[1]), sys.argv[2]
    for entry in app.conf.beat_schedule.values():
        if isinstance(entry["schedule"], float):
            entry["schedule"] = seconds
    return int(app.start(["beat", "--schedule", schedule_file, "--loglevel", "INFO", "--max-interval", "1"]) or 0)


if __name__ == "__main__":
    sys.exit(main())
