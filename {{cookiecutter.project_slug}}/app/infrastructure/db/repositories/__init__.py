"""Repository implementations over named SQL."""
