"""Prometheus metrics: what is measured (service_metrics.py), and the port they are served on."""
