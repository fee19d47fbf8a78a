"""Structured logs: one JSON object a line, with the request id where there is one.

Records are formatted and written by a thread of their own, a batch at a time: a server's
event loop only puts each record on a queue. Writing a line from the loop (one write and
flush a request, on a log file two workers share) took ~7% of a served request's time;
a writer woken for every record (``QueueListener``) still took ~10% under load, in waking
it and in the two threads taking turns at the interpreter. This one wakes on its own,
every :data:`PAUSE` seconds, and writes what came in the meantime with one write.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
from datetime import UTC, datetime
from logging.handlers import QueueHandler

import orjson

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
#: Seconds between the writer's rounds: how long a line may wait before it is written.
PAUSE = 0.05


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _Enqueue(QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """The record as it is, its message made now (its arguments may change later); the
        writer formats it, exception included."""
        record.msg, record.args = record.getMessage(), None
        return record


class _Writer(threading.Thread):
    """Writes the queued records to a stream, all that came in since its last round with one
    write, every :data:`PAUSE` seconds (never woken by the threads that log)."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], formatter: logging.Formatter) -> None:
        super().__init__(name="graphsvc-logs", daemon=True)
        self.records, self.formatter = records, formatter
        self.stream = sys.stderr  # as it is now (tests replace it)
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(PAUSE):
            self.write_queued()
        self.write_queued()

    def write_queued(self) -> None:
        lines = []
        while True:
            try:
                record = self.records.get_nowait()
            except queue.Empty:
                break
            try:
                lines.append(self.formatter.format(record))
            except Exception:  # noqa: BLE001 - a record that cannot be formatted is reported, not fatal
                lines.append(orjson.dumps({"level": "error", "logger": "graphsvc.logs", "message": f"unformattable log record: {record.msg!r}"}).decode())
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed or gone: nothing else to tell it to
                pass

    def stop(self) -> None:
        """Write what is queued, then end."""
        self._stopping.set()
        self.join()


_writer: _Writer | None = None


def configure(level: str = "INFO") -> None:
    """Send graphsvc's logs to stderr as JSON lines, written by a thread of their own
    (flushed when the process exits)."""
    global _writer
    flush()
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _writer = _Writer(records, JsonFormatter())
    _writer.start()
    root = logging.getLogger("graphsvc")
    root.handlers[:] = [_Enqueue(records)]
    root.setLevel(level)
    root.propagate = False


@atexit.register
def flush() -> None:
    """Write what is queued, and stop the writing thread (until :func:`configure` again)."""
    global _writer
    if _writer is not None:
        _writer.stop()
        _writer = None
