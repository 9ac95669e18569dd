"""Tracing: the provider OTEL_* asks for, and the spans around requests, buses, SQL and hashing."""
