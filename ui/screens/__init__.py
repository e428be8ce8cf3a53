"""One screen class per flow state; screens render state and send events, no rules."""
