"""News and documents: the team sends and publishes, companies read."""
