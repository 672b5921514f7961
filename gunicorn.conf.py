"""gunicorn settings read from the working directory (``gunicorn 'app:create_app()'`` in the README).

Only a hook: binding, workers and timeouts stay on the command line.
"""

import gc


def post_worker_init(worker):
    """Move everything alive after start-up (modules, the app, SQLAlchemy's mappers: ~180,000 objects) out of
    the garbage collector's reach. Full collections otherwise walk all of them, ~90 ms each, and land on
    whichever request happens to run: the p99 of every page was about 3.5 times its p50 (issue 15). Collecting
    first keeps start-up garbage from being frozen for the worker's life."""
    gc.collect()
    gc.freeze()
