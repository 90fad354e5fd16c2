"""E-mail outbox, templates and news: built in the notifications issue; knows nothing about connections."""
