"""Pydantic models that query handlers read rows into."""
