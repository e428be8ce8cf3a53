"""kiosk/maintenance."""
