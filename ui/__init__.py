"""PySide6 user interface: the main window, screens and touch widgets."""
