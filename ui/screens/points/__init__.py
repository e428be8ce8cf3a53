"""The volunteer-points redemption screens."""
