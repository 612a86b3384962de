"""Secrets: the only package that imports keyring. The database keeps references, never keys."""
