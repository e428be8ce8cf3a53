"""The traffic-violation lookup screens."""
