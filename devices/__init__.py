"""Hardware abstraction: camera, scanner and printer behind plain-Python interfaces. No Qt."""
