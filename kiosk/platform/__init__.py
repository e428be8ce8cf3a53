"""kiosk/platform."""
