"""Mutation testing of this project's own suite, with mutmut: `python -m tests.mutation`."""
