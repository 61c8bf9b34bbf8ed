"""registry api."""
