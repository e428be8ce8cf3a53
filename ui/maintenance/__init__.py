"""ui/maintenance."""
