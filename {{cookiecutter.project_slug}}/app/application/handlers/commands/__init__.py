"""Command handlers, one per file, marked with @command_handler."""
