"""Application services shared by handlers."""
