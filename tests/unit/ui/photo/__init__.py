"""tests/unit/ui/photo."""
