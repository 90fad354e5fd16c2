"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from htg_migration import clock


@shared_task(acks_late=True)
def weekly_report_task() -> str:
    """Monday morning: the report of the week that ended yesterday (its Sunday). Safe to run twice: one per week."""
    import datetime

    from reporting.services import weekly_report_generate

    report = weekly_report_generate(as_of=clock.today() - datetime.timedelta(days=1))
    return f"weekly report {report.week_start:%G-W%V} ({report.pk})"


@shared_task(acks_late=True)
def daily_snapshots_nightly_task() -> str:
    """After midnight: close the days not yet closed (checked against the timeline), open or check today's."""
    from reporting.services.snapshots import daily_snapshots_nightly

    checks = daily_snapshots_nightly()
    repaired = [check.day.isoformat() for check in checks if not check.ok]
    return f"daily snapshots: {len(checks)} day(s) checked, repaired: {', '.join(repaired) or 'none'}"
