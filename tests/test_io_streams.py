"""Reader: FIFOs, /dev/stdin, process substitution and standard input are read as streams."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading

import orjson
import pytest

from pipes_anomaly.io import read_events


def rec(i: int, **kw: object) -> dict:
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete",
        "actor_id": "u_alice",
        "created_at": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "data": {"created_by_id": "u_alice"},
    }
    r.update(kw)
    return r


def body(n: int, bad_at: int | None = None) -> bytes:
    lines = [orjson.dumps(rec(i)) for i in range(n)]
    if bad_at is not None:
        lines[bad_at] = b"{not json"
    return b"\n".join(lines) + b"\n"


def feed_fifo(path, payload: bytes) -> threading.Thread:
    """Write ``payload`` into the FIFO at ``path`` from another thread."""

    def write() -> None:
        with open(path, "wb") as fh:
            fh.write(payload)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("gz", [False, True])
def test_a_fifo_is_read_as_a_stream(tmp_path, gz):
    fifo = tmp_path / "logs.fifo"
    os.mkfifo(fifo)
    payload = body(500, bad_at=7)
    writer = feed_fifo(fifo, gzip.compress(payload) if gz else payload)
    res = read_events(fifo)
    writer.join(5)
    s = res.stats
    assert (s.read, s.accepted, s.rejected) == (500, 499, 1)
    assert res.rejects[0].line == 8 and res.rejects[0].raw == b"{not json"
    assert set(res.events["source"]) == {str(fifo)}


def test_stdin_is_read_as_a_stream_not_whole(monkeypatch):
    """Standard input is read in steps: never one read of everything."""

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data, self.pos, self.largest = data, 0, 0

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            n = min(len(b), len(self.data) - self.pos, 1 << 16)
            b[:n] = self.data[self.pos : self.pos + n]
            self.pos += n
            self.largest = max(self.largest, n)
            return n

        def read(self, size: int = -1) -> bytes:
            if size is None or size < 0:
                raise AssertionError("stdin read whole")
            return super().read(size)

        def readall(self) -> bytes:
            raise AssertionError("stdin read whole")

        def seekable(self) -> bool:
            return False

    payload = body(3000, bad_at=10)
    pipe = Pipe(payload)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(pipe)))
    res = read_events("-")
    assert (res.stats.read, res.stats.accepted, res.stats.rejected) == (3000, 2999, 1)
    assert res.rejects[0].line == 11
    assert pipe.pos == len(payload)


def test_dev_stdin_and_process_substitution_from_the_cli(tmp_path):
    """`anomaly score <(cat f)` and `anomaly score /dev/stdin < f` read the stream."""
    log = tmp_path / "a.jsonl"
    log.write_bytes(body(50))
    code = (
        "import sys; from pipes_anomaly.io import read_events; "
        "r = read_events(sys.argv[1]); print(r.stats.read, r.stats.accepted)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with open(log, "rb") as fh:
        out = subprocess.run(
            [sys.executable, "-c", code, "/dev/stdin"],
            stdin=fh,
            capture_output=True,
            env=env,
            check=True,
        )
    assert out.stdout.split() == [b"50", b"50"]
    piped = subprocess.run(
        ["bash", "-c", f'{sys.executable} -c "$0" <(cat "$1")', code, str(log)],
        capture_output=True,
        env=env,
        check=True,
    )
    assert piped.stdout.split() == [b"50", b"50"]
