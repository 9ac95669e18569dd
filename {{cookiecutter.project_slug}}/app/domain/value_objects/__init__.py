"""Immutable values compared by content."""
