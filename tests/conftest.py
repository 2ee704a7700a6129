"""Shared test configuration. Fixtures specific to one layer live in that folder's conftest."""
