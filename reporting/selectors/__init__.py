"""The programme dashboard's reads: `dashboard_build(as_of=..., today=..., what_if=...) -> Dashboard`.

`queries` holds the reads (two of reference data, six aggregates), `build` turns their rows into the dataclasses of
`figures` with
the planning maths of plateaus/planning.py.
"""

from reporting.selectors.build import dashboard_build
from reporting.selectors.figures import BurnupPoint, Dashboard, FlowFigures, PlateauFigures, RiskRow, WhatIf
from reporting.selectors.queries import dashboard_aggregates, dashboard_reference

__all__ = [
    "BurnupPoint",
    "Dashboard",
    "FlowFigures",
    "PlateauFigures",
    "RiskRow",
    "WhatIf",
    "dashboard_aggregates",
    "dashboard_build",
    "dashboard_reference",
]
