"""Writing an import's chunks: one transaction each, in file order, in a thread of its own.

The writes of a chunk (COPY into several tables, the job's progress) keep the database busy while
Python would wait; in a thread with its own connection they overlap the planning of the next chunk
(lookups, matching, building frames) on the caller's connection. Plans never depend on earlier
chunks' writes (in-file duplicates are caught before planning, and the customer matcher leaves out
the import's own customers), so the result is the same whichever finishes first.

Where a second connection could not see what the caller has written (inside the caller's
transaction: a test's, or an outer ``atomic``), the chunks are written inline instead.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import translation

from kehu.bulk_references import checked_in_bulk

DEPTH = 1  # plans waiting for the writer (memory: one chunk's frames)
SQLITE_PAUSE = 0.11  # seconds between chunks on SQLite (its busy handler sleeps up to 100 ms)


def can_thread() -> bool:
    """A second connection sees what this one committed, and may write beside its reads: not
    inside the caller's transaction, nor in an in-memory SQLite database (shared-cache memory
    databases lock whole tables against readers)."""
    if connection.in_atomic_block:
        return False
    return connection.vendor != "sqlite" or not connection.is_in_memory_db()


class ChunkWriter:
    def __init__(self, apply: Callable, *, threaded: bool | None = None):
        """``apply(item)`` writes one chunk (called inside its transaction)."""
        self.apply = apply
        self.threaded = can_thread() if threaded is None else threaded
        self.error: BaseException | None = None
        if self.threaded:
            self.queue: queue.Queue = queue.Queue(maxsize=DEPTH)
            self.language = translation.get_language()
            self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
            self.thread.start()

    def submit(self, item) -> None:
        """Queue a chunk (inline: write it now). Raises what an earlier chunk raised."""
        self._raise()
        if not self.threaded:
            self._write(item)
        elif not self._put(item):
            self._raise()

    def close(self) -> None:
        """Wait for every queued chunk; raise the first error."""
        if self.threaded:
            self._put(None)
            self.thread.join()
        self._raise()

    def _put(self, item) -> bool:
        """Queue ``item`` unless the writer has stopped (after an error: it reads no more)."""
        while self.thread.is_alive():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _write(self, item) -> None:
        with transaction.atomic(), checked_in_bulk():
            self.apply(item)
        if self.threaded and connection.vendor == "sqlite":
            # SQLite's lock is not fair: a user's save waiting on it polls every 100 ms and would
            # lose to the writer's next chunk every time. A pause as long lets it in.
            time.sleep(SQLITE_PAUSE)

    def _work(self) -> None:
        try:
            with translation.override(self.language):
                while (item := self.queue.get()) is not None:
                    self._write(item)
        except BaseException as exc:  # the caller raises it at its next submit or close
            self.error = exc
        finally:
            connection.close()  # this thread's own connection
