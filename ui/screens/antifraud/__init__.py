"""Anti-fraud awareness: the ten common frauds, the magic mirror, the quiz."""
