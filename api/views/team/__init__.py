"""The team's endpoints (issue 17 item 4): each a thin layer over the service or selector its page uses, behind the
same role check (api/permissions.py asks connections/permissions.py). A staff token or a staff member's signed-in
browser; a company's caller is refused (403)."""
