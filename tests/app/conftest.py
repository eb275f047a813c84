"""AppTest fixtures: run dashboard.py against a fixture database, with Streamlit caches cleared."""

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from tests.app.helpers import on_database, start


@pytest.fixture
def app(synthetic_db_path, monkeypatch):
    """A factory: ``app(lang)`` returns an AppTest of dashboard.py that has run once on the synthetic city."""
    with on_database(synthetic_db_path, monkeypatch):
        yield start


@pytest.fixture
def downloads(monkeypatch):
    """Every file a page hands to a download button in this test, as text."""
    files: list[str] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        data = path_or_data
        if isinstance(data, bytes):
            files.append(data.decode("utf-8-sig", "replace"))
        elif isinstance(data, str):
            files.append(data)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return files
