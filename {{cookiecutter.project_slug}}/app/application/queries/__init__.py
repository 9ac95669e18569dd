"""Read-side questions, one frozen dataclass per file."""
