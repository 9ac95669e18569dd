"""Database access through rowquery."""
