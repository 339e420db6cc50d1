"""Word and sentence statistics for plain text."""
