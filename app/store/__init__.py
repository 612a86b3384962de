"""Persistence: the only package that imports SQLAlchemy and Alembic. Returns frozen records."""
