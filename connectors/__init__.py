"""Channel adapters that bring residents' messages to the service desk's gateway."""
