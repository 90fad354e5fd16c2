"""Demo data: a realistic, deterministic programme of N customers, fast enough for 100,000 (the benchmarks).

Everything random comes from one `random.Random(seed)` and the clock is `as_of`, so the same arguments give the
same companies, identifiers, states and timeline dates. Each connection's history is simulated forward from its
plateau's actual start, step by step in Dutch business days, and stops at `as_of`: its state is simply how far it
got, so the timeline, the state and the dates agree by construction (and earlier plateaus are further along).

Messages are in English only: this is a developer's tool, not a page.

The rows go in with PostgreSQL's COPY (ids reserved from the tables' sequences first, so rows can refer to each
other before they are written). Foreign keys are deferred to the commit.

The parts: `names` (word lists, company names, identifiers), `customers` (who the companies are, their contacts),
`timeline` (business-day calendar, each connection's simulated history), `writer` (COPY) and
`service` (demo_seed, demo_reset, demo_team_members).
"""

from connections.services.demo.service import (
    DEMO_AS_OF,
    DemoDataExists,
    DemoSeedResult,
    demo_reset,
    demo_seed,
    demo_team_members,
)

__all__ = [
    "DEMO_AS_OF",
    "DemoDataExists",
    "DemoSeedResult",
    "demo_reset",
    "demo_seed",
    "demo_team_members",
]
