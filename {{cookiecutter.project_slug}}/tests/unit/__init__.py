"""Unit tests: pure code and in-memory fakes, no I/O."""
