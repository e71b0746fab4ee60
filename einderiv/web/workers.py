"""Worker processes that derive with a time limit: a stuck worker is killed and replaced.

Input: a job, ``("diff" | "check", fields)`` where ``fields`` is a dict of the request's text
fields. Output: an ``Outcome``: ``status`` "ok" (``value`` is the JSON object of
``einderiv.web.results``), "error" (``value`` is the einderiv error message, a user's mistake),
"stopped" (the time limit was reached and the worker was killed), "busy" (no worker became
idle in time) or "internal" (a bug, or the worker died).

Invariants: each job runs in its own process, so one pathological request cannot stall the
others or the server; a job never runs longer than ``time_limit`` seconds (then its process is
killed with SIGKILL and a fresh one is started in the background); workers are started with the
"spawn" method (safe in a threaded server) and import einderiv once, so a typical job costs
milliseconds; a worker runs only the two functions of ``results`` on text, never user code.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass

_JOBS = ("diff", "check")


@dataclass
class Outcome:
    status: str  # "ok", "error", "stopped", "busy", "internal"
    value: object
    seconds: float


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in the worker process
    """End this worker when the server process is gone, even in the middle of a job."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _serve_jobs(conn, parent: int) -> None:  # pragma: no cover - runs in the worker process
    """The worker's loop: read a job, answer it, until the pipe closes."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    import einderiv as ed
    from einderiv.web import results

    try:
        results.derivative_json("tr(X' A X)", "X", extras=True)  # warm the caches
    except Exception:  # noqa: BLE001,S110 - warming up is optional
        pass
    conn.send(("ready", None))
    while True:
        try:
            kind, fields = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            if kind == "diff":
                value = results.derivative_json(**fields, extras=True)
            else:
                value = results.check_json(**fields)
            answer = ("ok", value)
        except ed.EinderivError as error:
            answer = ("error", str(error))
        except RecursionError:
            answer = ("error", "the expression is nested too deeply for einderiv")
        except MemoryError:
            answer = ("error", "the derivation needed more memory than the worker has")
        except Exception as error:  # noqa: BLE001 - a bug: reported, the worker lives on
            answer = ("internal", f"{type(error).__name__}: {error}")
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve_jobs, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """``size`` warm worker processes; ``run`` gives a job to an idle one, with a time limit."""

    def __init__(self, size: int = 2, time_limit: float = 5.0, start_timeout: float = 60.0):
        self.time_limit = float(time_limit)
        self.start_timeout = start_timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._closed = False
        starters = [threading.Thread(target=self._add, daemon=True) for _ in range(size)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if self._idle.qsize() == 0:
            raise RuntimeError("einderiv serve: no worker process could be started")

    def _add(self) -> None:
        """Start one worker and, once it is warm, make it available."""
        worker = _Worker(self._ctx)
        with self._lock:
            closed = self._closed
            self._all.add(worker)
        if closed or not worker.wait_ready(self.start_timeout):
            self._discard(worker)
            return
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if not self._closed:
            threading.Thread(target=self._add, daemon=True).start()

    def run(self, kind: str, fields: dict, wait: float | None = None) -> Outcome:
        """Run one job; ``wait`` bounds the wait for an idle worker (default: time limit + 30 s)."""
        if kind not in _JOBS:
            raise ValueError(f"unknown job {kind!r}")
        wait = self.time_limit + 30.0 if wait is None else wait
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            return Outcome("busy", "the server is busy with other requests; try again", 0.0)
        start = time.monotonic()
        try:
            worker.conn.send((kind, fields))
            ready = worker.conn.poll(self.time_limit)
            answer = worker.conn.recv() if ready else None
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            return Outcome("internal", "the worker process died", time.monotonic() - start)
        seconds = time.monotonic() - start
        if answer is None:
            self._replace(worker)
            return Outcome("stopped", self.time_limit, seconds)
        self._idle.put(worker)
        return Outcome(answer[0], answer[1], seconds)

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
