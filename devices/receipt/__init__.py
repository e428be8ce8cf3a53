"""Device-neutral receipts: a document model and its ESC/POS and PNG renderers."""
