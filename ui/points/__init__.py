"""ui/points."""
