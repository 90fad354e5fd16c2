"""The self-service portal for companies (URL namespace "portal", mounted at /portal/ by connections/urls_portal.py)."""
