"""Stateless domain services."""
