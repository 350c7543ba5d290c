"""A PostgreSQL backend that starts the embedded server before it connects."""
