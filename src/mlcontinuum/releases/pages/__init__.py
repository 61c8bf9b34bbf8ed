"""releases pages."""
