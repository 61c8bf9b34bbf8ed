"""charter pages."""
