"""tests/unit/kiosk/violations."""
