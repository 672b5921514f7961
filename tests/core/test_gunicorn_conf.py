"""gunicorn.conf.py: each worker freezes what start-up left alive, out of the collector's full collections."""

import gc
import importlib.util
from pathlib import Path


def test_a_worker_freezes_its_start_up_objects_after_loading_the_app():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parents[2] / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert gc.get_freeze_count() == 0
    try:
        conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000  # the test process's modules, the app, SQLAlchemy's mappers
    finally:
        gc.unfreeze()
