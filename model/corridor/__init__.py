"""corridor: plan contracted commodity flows under transit-country caps."""
