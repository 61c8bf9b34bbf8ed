"""charter cli."""
