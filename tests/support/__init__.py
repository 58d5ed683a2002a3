"""Shared test helpers (real servers started from local binaries, not mocks)."""
