"""tests/unit/ui/violations."""
