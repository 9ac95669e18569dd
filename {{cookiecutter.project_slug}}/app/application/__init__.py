"""Use cases: commands, queries, their handlers and the buses that route them."""
