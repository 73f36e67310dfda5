import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """allauth counts rate limits in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh directory that the test can inspect."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
