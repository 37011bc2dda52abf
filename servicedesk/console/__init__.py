"""The staff console: log-in, roles, the work queue, conversations and administration."""
