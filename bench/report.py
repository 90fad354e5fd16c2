"""docs/benchmarks.md from a run of `make bench` (bench/run.py), keeping the "Load test" section `make load` wrote."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric


def render_docs(
    metrics: "list[Metric]",
    machine: dict[str, str],
    sizes: list[int],
    measures: "list[Callable[[BenchContext], list[Metric]]]",
    default_database_url: str,
) -> str:
    """docs/benchmarks.md: what each figure measures and its floor (the metrics' docstrings), the machine, the
    figures."""
    lines = [
        "# Benchmarks",
        "",
        "Every performance budget, measured on PostgreSQL at "
        + " and ".join(f"{size:,}" for size in sizes)
        + " customers (built with `seed_demo`, seed 1, as of 15 May 2020), each figure beside its *floor*: what "
        "the same work costs in raw form on the same machine in the same run. The ratio value / floor survives a "
        "noisy or slower machine better than the bare figure. Budgets are never asserted as times in the test "
        "suite; query counts are.",
        "",
        "Run it with `make bench` (or `.venv/bin/python bench/run.py --sizes 10000,100000`). It drops and creates "
        "the bench database (`BENCH_DATABASE_URL`, else `DATABASE_URL`, else "
        f"`{default_database_url}`; a name without `bench` in it gets `_bench` appended, so a working database is "
        "never dropped), migrates it, and writes `bench/results.json` and this page. Generated: do not edit.",
        "",
        "## What each figure measures, and its floor",
        "",
    ]
    for measure in measures:
        doc = " ".join((measure.__doc__ or measure.__name__).split())
        lines.append(f"- {doc}")
    lines += [
        "",
        "## Machine",
        "",
        f"- CPUs (nproc): {machine['nproc']} ({machine['cpu']})",
        f"- memory: {machine['memory']}",
        f"- PostgreSQL {machine['postgresql']}, Python {machine['python']}",
        f"- sessions: {machine['sessions']}",
        f"- database connections kept for {machine.get('conn_max_age', '0')} s (DATABASE_CONN_MAX_AGE), as in "
        "docker-compose.yml",
        f"- run on {machine['date']}",
        "",
        "## Figures",
        "",
        "A budget is a ratio to the floor, or a value in the figure's unit where it says one (ms). *Snapshot read*: "
        "the dashboard's reads of what is stored (snapshot rows and counts, go-lives per day, a closed day's risk "
        "list or today's companies' readiness and risk list through indexes) run raw, beside the floor of the "
        "aggregates they replace.",
        "",
        "| metric | size | value | unit | floor | ratio | snapshot read | budget |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for figure in metrics:
        snapshot_read = "" if figure.snapshot_read is None else f"{figure.snapshot_read}"
        lines.append(
            f"| `{figure.name}` | {figure.size:,} | {figure.value} | {figure.unit} | {figure.floor} | {figure.ratio} "
            f"| {snapshot_read} | {figure.goal} |"
        )
    return "\n".join(lines) + "\n"


def load_test_section(docs: Path) -> str:
    """The "## Load test" section `make load` wrote into the page (bench/load/run.py), kept as it was."""
    text = docs.read_text() if docs.exists() else ""
    start = text.find("\n## Load test\n")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 1)
    return text[start : end + 1 if end >= 0 else len(text)]
