"""Event workers as real processes: relays and consumers, killed with SIGKILL."""
