"""Integration tests: the infrastructure layer against the variant's real database."""
