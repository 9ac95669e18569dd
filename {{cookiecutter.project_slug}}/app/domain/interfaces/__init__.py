"""Contracts the infrastructure layer implements."""
