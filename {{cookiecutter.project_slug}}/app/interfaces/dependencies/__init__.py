"""FastAPI dependency glue."""
