"""monitoring api."""
