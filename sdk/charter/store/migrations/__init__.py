"""Alembic migrations for Charter's store (run with `charter.store.migrate(engine)`)."""
