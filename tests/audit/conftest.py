import pytest


@pytest.fixture(autouse=True)
def anchor_file(app, tmp_path, monkeypatch):
    """This test's own anchor file (never the instance folder's); its path."""
    path = tmp_path / "audit_anchors.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    return path
