"""Worker processes that derive with a time limit: a stuck worker is killed and replaced.

Input: a job, ``("diff" | "check", fields)`` where ``fields`` is a dict of the request's text
fields. Output: an ``Outcome``: ``status`` "ok" (``value`` is the JSON object of
``einderiv.web.results``), "error" (``value`` is the einderiv error message, a user's mistake),
"stopped" (the time limit was reached and the worker was killed), "gone" (the one who asked
left: a closed connection; the worker was killed at once), "busy" (no worker became idle in
time) or "internal" (a bug, or the worker died).

Invariants: each job runs in a worker process, so one pathological request cannot stall the
others or the server; a job never runs longer than ``time_limit`` seconds (then its process is
killed and a fresh one is started in the background); a worker is a plain
``python`` subprocess (``workers.main``) that speaks one JSON object per line on its standard
input and output (no multiprocessing: the caller's ``__main__`` is never re-imported), imports
einderiv once, so a typical job costs milliseconds, and ends when its server does; it runs only
the two functions of ``results`` on text, never user code.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_JOBS = ("diff", "check")


@dataclass
class Outcome:
    status: str  # "ok", "error", "stopped", "busy", "internal", "gone"
    value: object
    seconds: float


# --- the worker process --------------------------------------------------------------------------


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in the worker process
    """End this worker when the server process is gone, even in the middle of a job."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _answer(kind: str, fields: dict) -> list:  # pragma: no cover - runs in the worker process
    import einderiv as ed
    from einderiv.web import results

    try:
        if kind == "diff":
            return ["ok", results.derivative_json(**fields, extras=True)]
        return ["ok", results.check_json(**fields)]
    except ed.EinderivError as error:
        return ["error", str(error)]
    except RecursionError:
        return ["error", "the expression is nested too deeply for einderiv"]
    except MemoryError:
        return ["error", "the derivation needed more memory than the worker has"]
    except Exception as error:  # noqa: BLE001 - a bug: reported, the worker lives on
        return ["internal", f"{type(error).__name__}: {error}"]


MEMORY = 3 * 2**30  # bytes of address space a worker may use: a job beyond is an error
# small jobs: one BLAS thread (a pool of threads per worker would reserve address space too)
_ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def _limit_memory() -> None:  # pragma: no cover - runs in the worker process
    """Bound this worker's memory (where the platform can), so that a job needing more is an
    error ("more memory than the worker has") and several busy workers cannot exhaust it."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY if hard == resource.RLIM_INFINITY else min(MEMORY, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # Windows, or a limit we may not set
        pass


def main() -> None:  # pragma: no cover - runs in the worker process
    """The worker's loop: read a job line, write its answer line, until standard input ends."""
    _limit_memory()
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the protocol channel
    _answer("diff", {"expr": "tr(X' A X)", "wrt": "X"})  # warm the caches
    out.write('["ready", null]\n')
    out.flush()
    for line in sys.stdin:
        try:
            kind, fields = json.loads(line)
            answer = _answer(kind, {str(k): v for k, v in fields.items()})
        except (ValueError, TypeError, AttributeError) as error:
            answer = ["internal", f"a malformed job: {error}"]
        try:
            line = json.dumps(answer, allow_nan=False)
        except (TypeError, ValueError) as error:
            line = json.dumps(["internal", f"an answer that is not JSON: {error}"])
        out.write(line + "\n")
        out.flush()


# --- the server's side ---------------------------------------------------------------------------


def _command() -> list[str]:
    """The worker's command line: it imports this very einderiv, wherever that is."""
    root = str(Path(__file__).resolve().parents[2])
    code = (
        f"import sys; root = {root!r}\n"
        "if root not in sys.path: sys.path.insert(0, root)\n"
        "from einderiv.web.workers import main; main()"
    )
    return [sys.executable, "-c", code]


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", **_ONE_THREAD},
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """The reader thread: answers until the worker's output ends; it alone closes that pipe
        (closing it from another thread would wait for this thread's blocked read)."""
        try:
            for line in self.process.stdout:
                self.answers.put(line)
        except (OSError, ValueError):
            pass
        finally:
            try:
                self.process.stdout.close()
            except OSError:
                pass
        self.answers.put(None)  # the worker is gone

    def receive(self, timeout: float):
        """The next answer; None when the worker died; raises queue.Empty past ``timeout``."""
        line = self.answers.get(timeout=timeout)
        return None if line is None else json.loads(line)

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.receive(timeout) == ["ready", None]
        except (queue.Empty, ValueError):
            return False

    def stop(self) -> None:
        """Kill the worker; its output pipe then ends, and the reader thread closes it."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class _Gone(Exception):
    """The one who asked for a job has left."""


_POLL = 0.1  # seconds between looks at whether the one who asked has left


def _poll(get: Callable[[float], object], deadline: float, gone: Callable[[], bool] | None):
    """``get(timeout)`` (a worker's answer, an idle worker) retried until ``deadline`` (then
    queue.Empty), looking every ``_POLL`` seconds whether the one who asked has left (then
    ``_Gone``)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise queue.Empty
        try:
            return get(left if gone is None else min(left, _POLL))
        except queue.Empty:
            if gone is not None and time.monotonic() < deadline and gone():
                raise _Gone from None


class WorkerPool:
    """``size`` warm worker processes; ``run`` gives a job to an idle one, with a time limit.
    While every worker is busy (slow jobs running to the time limit), more are started, up to
    ``most``, so that other requests are served meanwhile; the extra ones end when idle."""

    def __init__(
        self, size: int = 2, time_limit: float = 5.0, start_timeout: float = 60.0, most: int = 8
    ):
        self.time_limit = float(time_limit)
        self.start_timeout = start_timeout
        self.size, self.most = size, max(size, most)
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
            self.close()
            raise RuntimeError("einderiv serve: no worker process could be started")

    def _add(self, worker: _Worker | None = None) -> None:
        """Start one worker (or take ``worker``, started) and, once warm, make it available."""
        worker = worker or _Worker()
        with self._lock:
            closed = self._closed
            self._all.add(worker)
        if closed or not worker.wait_ready(self.start_timeout):
            self._discard(worker)
            return
        self._release(worker)  # warm: idle, or ended if enough are idle already

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def _grow(self) -> None:
        """Start one more worker in the background, unless there are ``most`` already."""
        with self._lock:
            if self._closed or len(self._all) >= self.most:
                return
            worker = _Worker()
            self._all.add(worker)
        threading.Thread(target=self._add, args=(worker,), daemon=True).start()

    def _release(self, worker: _Worker) -> None:
        """Back to the idle ones; an extra worker (more than ``size`` idle) is ended."""
        with self._lock:
            extra = len(self._all) > self.size and self._idle.qsize() >= self.size
        if extra:
            self._discard(worker)
        else:
            self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if not self._closed and len(self._all) < self.size:  # an extra one is not replaced
            threading.Thread(target=self._add, daemon=True).start()

    def run(
        self,
        kind: str,
        fields: dict,
        wait: float | None = None,
        gone: Callable[[], bool] | None = None,
    ) -> Outcome:
        """Run one job; ``wait`` bounds the wait for an idle worker (default: time limit + 30 s).
        ``gone``: whether the one who asked has left (a closed connection); then the job is
        stopped at once, its worker ended like one past the time limit ("gone")."""
        if kind not in _JOBS:
            raise ValueError(f"unknown job {kind!r}")
        wait = self.time_limit + 30.0 if wait is None else wait
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            self._grow()  # every worker busy: one more, rather than wait for a slow job
            try:
                worker = _poll(lambda t: self._idle.get(timeout=t), time.monotonic() + wait, gone)
            except queue.Empty:
                return Outcome("busy", "the server is busy with other requests; try again", 0.0)
            except _Gone:  # left while waiting: no worker taken, none to end
                return Outcome("gone", "the request was abandoned", 0.0)
        if gone is not None and gone():  # left before its job began: the worker stays warm
            self._release(worker)
            return Outcome("gone", "the request was abandoned", 0.0)
        if self._idle.empty():
            self._grow()  # the last idle one taken: a spare for the next request
        start = time.monotonic()
        try:
            worker.process.stdin.write(json.dumps([kind, fields]) + "\n")
            worker.process.stdin.flush()
            answer = _poll(worker.receive, start + self.time_limit, gone)
        except queue.Empty:
            self._replace(worker)
            return Outcome("stopped", self.time_limit, time.monotonic() - start)
        except _Gone:
            self._replace(worker)
            return Outcome("gone", "the request was abandoned", time.monotonic() - start)
        except (OSError, ValueError):
            answer = None
        seconds = time.monotonic() - start
        if not (isinstance(answer, list) and len(answer) == 2):
            self._replace(worker)
            return Outcome("internal", "the worker process died", seconds)
        self._release(worker)
        return Outcome(answer[0], answer[1], seconds)

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
