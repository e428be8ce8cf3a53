"""center/points."""
