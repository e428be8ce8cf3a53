"""One controller per service: starts its flow, shows its screen, prints its receipts."""
