"""tests/unit/ui/points."""
