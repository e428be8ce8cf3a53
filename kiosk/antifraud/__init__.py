"""kiosk/antifraud."""
