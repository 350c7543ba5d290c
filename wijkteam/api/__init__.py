"""Shared building blocks of the REST API (`/api/v1/`): one permission path, one log, strict input."""
