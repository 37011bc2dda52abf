"""The work queue: service hours, service-level clocks and claiming work items."""
