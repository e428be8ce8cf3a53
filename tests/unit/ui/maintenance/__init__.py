"""tests/unit/ui/maintenance."""
