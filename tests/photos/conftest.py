"""Fixtures for the photo tests: the real camera files in ../shared/photos (never copied into the repo)."""

from pathlib import Path

import pytest

SHARED_PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "photos"


@pytest.fixture
def shared_photos() -> Path:
    """The sample photo folder; the test is skipped when it is absent."""
    if not SHARED_PHOTOS.is_dir():
        pytest.skip(f"sample photos not found at {SHARED_PHOTOS}")
    return SHARED_PHOTOS


@pytest.fixture
def sample(shared_photos):
    """``sample("name.jpg")`` -> the bytes of one sample photo."""
    return lambda name: (shared_photos / name).read_bytes()
