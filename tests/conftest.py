"""Shared fixtures. Each area keeps its own fixtures in a module listed here."""
pytest_plugins = ["tests.dbfixtures", "tests.sweep_fixtures"]
