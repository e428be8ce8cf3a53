"""tests/unit/ui/shell."""
