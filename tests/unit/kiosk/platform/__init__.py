"""tests/unit/kiosk/platform."""
