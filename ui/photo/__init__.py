"""ui/photo."""
