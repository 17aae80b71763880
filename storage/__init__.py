"""Persistence: SQLAlchemy models, sessions, Alembic migrations and the snapshot store."""
