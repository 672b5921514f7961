"""Local photo storage: atomic writes, key validation, listing."""

import os
import stat
import threading

import pytest

from photos.storage import LocalStorage, Storage

KEY = "ab/cd/abcd-display.jpg"


def _files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_local_storage_satisfies_the_interface(tmp_path):
    store: Storage = LocalStorage(tmp_path)
    assert all(
        callable(getattr(store, name))
        for name in ("write", "read", "path", "exists", "delete", "keys", "remove_temporaries")
    )


def test_write_read_keys_delete(tmp_path):
    store = LocalStorage(tmp_path)
    store.write(KEY, b"one")
    store.write("ab/cd/abcd-thumb.jpg", b"small")
    store.write(KEY, b"two")  # rewriting a key replaces it whole
    assert store.read(KEY) == b"two" and store.exists(KEY) and store.path(KEY) == tmp_path / KEY
    assert sorted(dict(store.keys())) == ["ab/cd/abcd-display.jpg", "ab/cd/abcd-thumb.jpg"]
    assert all(isinstance(mtime, float) and mtime > 0 for mtime in dict(store.keys()).values())
    assert _files(tmp_path) == ["ab/cd/abcd-display.jpg", "ab/cd/abcd-thumb.jpg"]  # no temporary file left
    store.delete(KEY)
    store.delete(KEY)  # deleting a missing key is fine
    assert not store.exists(KEY) and list(dict(store.keys())) == ["ab/cd/abcd-thumb.jpg"]
    with pytest.raises(FileNotFoundError):
        store.read(KEY)


def test_rewriting_the_same_content_is_harmless(tmp_path):
    store = LocalStorage(tmp_path)
    store.write(KEY, b"same")
    store.write(KEY, b"same")
    assert store.read(KEY) == b"same" and _files(tmp_path) == [KEY]


def test_files_are_readable_by_a_web_server(tmp_path):
    LocalStorage(tmp_path).write(KEY, b"x")
    assert stat.S_IMODE((tmp_path / KEY).stat().st_mode) == 0o644


def test_keys_skip_temporary_files_dotfiles_and_odd_names(tmp_path):
    (tmp_path / "ab").mkdir()
    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / "ab" / ".tmp-123abc").write_text("half")
    (tmp_path / "ab" / "Upper.JPG").write_text("not ours")
    assert list(LocalStorage(tmp_path).keys()) == []
    assert list(LocalStorage(tmp_path / "missing").keys()) == []


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/etc/passwd",
        "a\\b",
        "ab/../../x",
        "",
        "A.jpg",
        "a//b",
        "./a",
        "a/",
        "ab/.hidden",
        "..",
        "a b",
        "a\x00b",
        "ab/cd/é.jpg",
    ],
)
def test_bad_keys_are_refused(tmp_path, key):
    store = LocalStorage(tmp_path)
    for call in (
        lambda: store.write(key, b"x"),
        lambda: store.read(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.path(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert _files(tmp_path) == []


def test_a_failed_write_leaves_no_temporary_file_and_keeps_the_old_content(tmp_path, monkeypatch):
    store = LocalStorage(tmp_path)
    store.write("ab/x.jpg", b"old")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.write("ab/x.jpg", b"new")
    assert _files(tmp_path) == ["ab/x.jpg"] and store.read("ab/x.jpg") == b"old"


def test_concurrent_writers_of_one_key_leave_one_whole_file(tmp_path):
    store = LocalStorage(tmp_path)
    payloads = [bytes([n]) * 200_000 for n in range(8)]
    threads = [threading.Thread(target=store.write, args=(KEY, data)) for data in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.read(KEY) in payloads and _files(tmp_path) == [KEY]


def test_temporary_files_of_a_killed_write_are_removed_once_old(tmp_path):
    store = LocalStorage(tmp_path)
    store.write(KEY, b"whole")
    (tmp_path / "ab" / "cd" / ".tmp-killed").write_bytes(b"half")  # what SIGKILL during ``write`` leaves
    (tmp_path / "ab" / "cd" / ".tmp-young").write_bytes(b"in progress")
    os.utime(tmp_path / "ab" / "cd" / ".tmp-killed", (1000, 1000))
    assert store.remove_temporaries(before=2000) == 1
    assert _files(tmp_path) == ["ab/cd/.tmp-young", KEY]
