"""The HTTP boundary: parse, dispatch to a bus, render."""
