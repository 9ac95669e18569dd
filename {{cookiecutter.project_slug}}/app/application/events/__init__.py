"""Delivering domain events: the outbox relay and what it hands subscribers."""
