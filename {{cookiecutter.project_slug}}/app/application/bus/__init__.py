"""Command and query buses."""
