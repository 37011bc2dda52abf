"""The managers\x27 dashboard: contact statistics by SQL aggregation (issue 6)."""
