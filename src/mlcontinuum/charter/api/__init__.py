"""charter api."""
