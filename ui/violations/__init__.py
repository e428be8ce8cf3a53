"""ui/violations."""
