"""Application core of the self-service kiosk: configuration, sessions, flows, services. No Qt."""

__version__ = "0.1.0"
