"""The companies' and hubs' self-service portal: sign-in by e-mailed link, intake, status, actions."""
