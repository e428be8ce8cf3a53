"""ui/framework."""
