"""Fixtures of the eval-engine tests: the root ``store`` fixture (SQLite and PostgreSQL,
see ``tests/conftest.py``) is used as is."""
