"""The center's violation lookups: the API routes over the violation store."""
