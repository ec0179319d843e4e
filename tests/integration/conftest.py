"""Fixtures of the integration tests: worker processes of their own (tests/celery_process.py)."""

from tests.celery_process import worker_processes  # noqa: F401 (a fixture)
