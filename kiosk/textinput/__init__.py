"""Chinese text input without Qt."""
