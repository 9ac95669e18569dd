"""Handlers are discovered by scanning these packages; no list to maintain."""
