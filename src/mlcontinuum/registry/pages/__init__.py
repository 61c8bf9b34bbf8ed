"""registry pages."""
