"""ui/antifraud."""
