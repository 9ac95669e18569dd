"""Adapters to the outside world: database, crypto, config, logging."""
