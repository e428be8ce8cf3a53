"""tests/unit/kiosk/antifraud."""
