"""Charter."""
