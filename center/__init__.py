"""The governance-center side: HTTP API over the domain services, fleet registry, operator CLI."""
