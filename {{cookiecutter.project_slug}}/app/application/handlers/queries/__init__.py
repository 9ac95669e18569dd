"""Query handlers, one per file, marked with @query_handler."""
