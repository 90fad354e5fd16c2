"""The helpdesk: lookup, the customer card, contact log, callback requests."""
