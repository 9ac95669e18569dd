"""Entities: objects with identity and invariants."""
