"""Flow stages, one per concern."""
