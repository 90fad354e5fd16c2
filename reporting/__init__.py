"""The programme dashboard, its charts and the weekly reports."""
