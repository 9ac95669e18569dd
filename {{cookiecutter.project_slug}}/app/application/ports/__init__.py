"""What the application needs from the outside world, as protocols infrastructure implements."""
