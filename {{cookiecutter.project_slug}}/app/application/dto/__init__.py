"""Plain data returned by command handlers."""
