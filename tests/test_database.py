import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_required_database():
    """CI's PostgreSQL run really runs on PostgreSQL, never silently on SQLite."""
    required = os.environ.get("REQUIRE_DATABASE_VENDOR")
    if required:
        assert connection.vendor == required
    else:
        assert connection.vendor in {"sqlite", "postgresql"}
