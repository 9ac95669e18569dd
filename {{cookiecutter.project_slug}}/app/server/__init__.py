"""The HTTP server: uvicorn with the connection limits it lacks (see `python -m app serve`)."""
