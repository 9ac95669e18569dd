"""The service package: domain, application, infrastructure and interfaces."""

__version__ = "0.1.0"
