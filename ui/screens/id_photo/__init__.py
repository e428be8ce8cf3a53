"""The self-service ID photo screens."""
