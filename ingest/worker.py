"""Run a file parse in another process, so no upload's CPU ever holds the server's GIL.

Every Streamlit session is a thread of one server process: a CPU-bound parse in one session's
thread holds the interpreter for all of them. So parses run in a small process pool, created
on first use, whose workers come from a forkserver (a fresh interpreter with the readers
imported, never a fork of the threaded server). The session thread only waits on the result,
which releases the GIL. A parse that runs past TIMEOUT_S gets a message; its pool is killed and
the next parse starts a new one (Python 3.11's pool has no public way to stop one task; 3.14's
`kill_workers()` does what `_kill` does here).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ingest.errors import UsageFileError

TIMEOUT_S = 20.0
WORKERS = 2
PRELOAD = ["ingest.usage_csv", "ingest.profiles_csv"]
HOLD_ENV = "KBE_TEST_HOLD_PARSE"  # tests only: a folder; a parse waits there for a 'go' file

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(PRELOAD)
            else:  # not Linux: spawn, slower to start but just as separate
                ctx = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx, initializer=_follow_parent)
        return _pool


def _kill(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run(fn: Callable[..., Any], *args: Any, timeout: float = TIMEOUT_S) -> Any:
    """`fn(*args)` in a worker process: its result, or the UsageFileError it raised (raised
    again here). Anything else it raises, a crashed worker or a timeout becomes a
    UsageFileError with a plain message. `fn` must be importable (a module-level function)."""
    pool = _get_pool()
    try:
        future = pool.submit(_call, fn, args)
        return future.result(timeout=timeout)
    except FutureTimeout:
        _kill(pool)
        raise UsageFileError(
            f"Reading the file took longer than {timeout:.0f} seconds, so it was stopped. "
            "Check this is a monthly usage export of a few KB, or remove unusual cells."
        )
    except BrokenProcessPool:
        _kill(pool)
        raise UsageFileError(
            "The file could not be read: the reader stopped without an answer. Save the file "
            "as CSV UTF-8 and upload it again."
        )


def _follow_parent() -> None:
    """In each worker: exit when the process that started it is gone (a killed server must
    not leave workers behind; a pool worker would otherwise wait on its queue for ever)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _call(fn: Callable[..., Any], args: tuple) -> Any:
    """In the worker: the parse, with every fault a UsageFileError (never a traceback)."""
    hold = os.environ.get(HOLD_ENV)
    if hold:
        Path(hold, f"started-{os.getpid()}").touch()
        while not Path(hold, "go").exists():
            time.sleep(0.02)
    try:
        return fn(*args)
    except UsageFileError:
        raise
    except Exception as e:
        raise UsageFileError(
            f"The file could not be read ({type(e).__name__}). Save it as CSV UTF-8 and upload "
            "it again; if it still fails, tell us which file it was."
        ) from None
