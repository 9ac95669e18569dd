"""Server tests: `python -m app serve` as real processes, over raw sockets."""
