"""Storage: engine factory, declarative base, transactions and Alembic migrations."""
