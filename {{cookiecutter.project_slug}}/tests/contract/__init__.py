"""Contract tests: the whole app over HTTP, as a client sees it."""
