"""Counters for rate limits and login throttling."""
