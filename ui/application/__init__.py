"""户籍自助办理 at the kiosk: the application screens, and the status of a scanned receipt."""
