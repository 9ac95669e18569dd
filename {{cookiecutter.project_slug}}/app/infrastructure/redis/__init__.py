"""Redis: the state every process of the service shares (rate-limit and login counters)."""
