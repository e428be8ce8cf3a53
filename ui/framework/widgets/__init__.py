"""ui/framework/widgets."""
