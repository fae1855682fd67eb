"""An ordered pool of worker processes, so neither the crawl's reactor nor an archive writer
waits on CPU-bound work (cleaning pages for crawl and reclean, signing bodies for dedupe).

Extraction is CPU-bound (tens of ms per page) and holds the GIL, so threads would not help:
jobs go to a ProcessPoolExecutor whose workers come from a forkserver that has already
imported the caller's modules (a replacement worker starts in milliseconds). Results come
back to the caller, the single writer of the archive.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)

# The pool's workers are replaced after this many jobs each: whatever lxml or a library
# caches per page cannot pile up over a long crawl.
JOBS_PER_WORKER = 500
# Jobs handed to the executor at a time, per worker; the rest wait in the event loop.
IN_FLIGHT_PER_WORKER = 4


def default_workers() -> int:
    """One worker per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def named_function(path: str):
    """The function named by a dotted path (setting CLEAN_FUNCTION)."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _executor(workers: int, preload: list[str]) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),))


def _exit_with(owner: int) -> None:
    """In a worker: exit when the process that owns the pool is gone. A crawl killed with
    SIGKILL (cron's timeout, the OOM killer) cannot shut its pool down, and a worker
    waiting for work would otherwise wait forever (it holds both ends of its queue)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


class WorkerPool:
    """`await pool.run(label, function, *args)` → function(*args), computed in `workers`
    processes, or in this one when workers is 0 (the in-process path; both give the same
    results). `preload`: the modules a new worker imports before its first job.

    Workers are recycled by replacing the whole executor every `recycle_after` jobs a
    worker, once the old one has finished the few jobs it holds (only four per worker are
    handed to it at a time), so the two never run side by side. (The executor's own
    max_tasks_per_child can stop replacing exited workers and hang every queued job:
    CPython gh-115634, unfixed in 3.11 and 3.12.)

    A job that kills its worker (a crash in native code, the OOM killer) breaks the whole
    executor and fails every job in flight. The pool is replaced, and each of those jobs
    runs again alone in a one-process pool: the job that kills that one too is the culprit,
    and gets `crashed(label)` as its result (the default: None); the others run normally.
    """

    def __init__(self, workers: int, preload: list[str] = (), crashed=lambda label: None,
                 recycle_after: int = JOBS_PER_WORKER):
        self.workers = workers
        self.preload = list(preload)
        self.recycle_after = recycle_after
        self.crashed = crashed
        self._executor = self._new_executor(workers) if workers else None
        self._submitted = 0
        self._in_flight = asyncio.Semaphore(IN_FLIGHT_PER_WORKER * max(workers, 1))
        self._recycling = asyncio.Lock()
        self._alone: asyncio.Lock | None = None

    async def run(self, label: str, function, *args):
        """`function(*args)`, in a worker; `label` names the job if it kills one."""
        if self._executor is None:
            return function(*args)
        async with self._in_flight:
            executor = await self._current_executor()
            try:
                return await asyncio.wrap_future(executor.submit(function, *args))
            except BrokenProcessPool:
                if executor is self._executor:  # the first job to notice replaces the pool
                    logger.error("a worker process died; restarting the pool and retrying its jobs one by one")
                    self._replace_executor()
        return await self._run_alone(label, function, *args)

    async def in_order(self, items, job):
        """(item, result) for each item, in the items' order, where `job(item)` gives the
        (label, function, *args) to run. Only as many jobs are started as the executor takes
        at once, so neither jobs nor results pile up however many items there are."""
        started: deque = deque()
        for item in items:
            started.append((item, asyncio.ensure_future(self.run(*job(item)))))
            if len(started) >= IN_FLIGHT_PER_WORKER * max(1, self.workers):
                item, task = started.popleft()
                yield item, await task
        while started:
            item, task = started.popleft()
            yield item, await task

    async def _current_executor(self) -> ProcessPoolExecutor:
        async with self._recycling:
            if self._submitted >= self.recycle_after * self.workers:
                await asyncio.to_thread(self._executor.shutdown)  # its jobs finish, its workers exit
                self._executor, self._submitted = self._new_executor(self.workers), 0
            self._submitted += 1
            return self._executor

    def _replace_executor(self) -> None:
        """A fresh executor for new jobs after a crash; the broken one is let go."""
        broken, self._executor, self._submitted = self._executor, self._new_executor(self.workers), 0
        broken.shutdown(wait=False)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        return _executor(workers, self.preload)

    async def _run_alone(self, label: str, function, *args):
        self._alone = self._alone or asyncio.Lock()
        async with self._alone:
            executor = self._new_executor(1)
            try:
                return await asyncio.wrap_future(executor.submit(function, *args))
            except BrokenProcessPool:
                logger.error("%s kills its worker process", label)
                return self.crashed(label)
            finally:
                executor.shutdown(wait=False)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
