"""tests/unit/ui/antifraud."""
