"""kiosk/framework."""
