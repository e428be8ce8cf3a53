"""kiosk/violations."""
