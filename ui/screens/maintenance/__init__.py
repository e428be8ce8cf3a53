"""Maintenance mode: one screen with a page per task."""
