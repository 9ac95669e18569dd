"""Per-route request flows built from fastapi-request-pipeline stages."""
