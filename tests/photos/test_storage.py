import pytest

from photos.storage import LocalStorage


def test_write_read_entries_delete(tmp_path):
    store = LocalStorage(tmp_path)
    store.write("ab/cd/abcd-display.jpg", b"one")
    store.write("ab/cd/abcd-display.jpg", b"two")  # rewriting a key replaces it whole
    assert store.read("ab/cd/abcd-display.jpg") == b"two"
    assert [key for key, _ in store.entries()] == ["ab/cd/abcd-display.jpg"]
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]
    store.delete("ab/cd/abcd-display.jpg")
    assert not store.exists("ab/cd/abcd-display.jpg") and list(store.entries()) == []


def test_keys_skip_dotfiles(tmp_path):
    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / ".tmp-123").write_text("half")
    assert list(LocalStorage(tmp_path).entries()) == []


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a\\b", "ab/../../x", "", "A.jpg", "a//b", "./a"])
def test_bad_keys_are_refused(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).write(key, b"x")


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import os

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        LocalStorage(tmp_path).write("ab/x.jpg", b"data")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []
