"""Nothing lost, even when the run is not: outputs are whole or untouched, one writer per model
directory, write errors are messages, and no output replaces an input.

Runs that must fail part-way are real processes: a file-size limit (``RLIMIT_FSIZE``) makes
every write past it fail as a full disk would, and SIGKILL stops a run at chosen moments.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from helpers import run_cli as _run
from pipes_anomaly.io.model_dir import load_model

#: Bytes a run may write to one file under the size limit: less than any output below.
LIMIT = 4096


def _anomaly(*args: str, cwd, fsize: int | None = None, wait: bool = True):
    """Run ``anomaly`` in a process of its own, optionally with a file-size limit."""

    def limit() -> None:
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cmd = [sys.executable, "-m", "pipes_anomaly", *args]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLCONFIGDIR=str(cwd / ".mpl"))
    if not wait:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=limit, timeout=300
    )


def _listing(d) -> list[str]:
    return sorted(p.name for p in d.iterdir())


@pytest.fixture(scope="module")
def work(small_world, tmp_path_factory):
    """A folder with the small world (w/), a model (m/), scores and a report from them."""
    d = tmp_path_factory.mktemp("outputs")
    shutil.copytree(small_world, d / "w")
    assert _anomaly("train", "w/train.jsonl", "--model-dir", "m", cwd=d).returncode == 0
    res = _anomaly("score", "w/test.jsonl", "--model-dir", "m", "-o", "s.csv", cwd=d)
    assert res.returncode == 0, res.stderr
    assert _anomaly("evaluate", "s.csv", "--labels", "w", "--report", "r", cwd=d).returncode == 0
    bad = (d / "w" / "test.jsonl").read_bytes() + b"not json\n" * 1000
    (d / "bad.jsonl").write_bytes(bad)
    (d / "rejects.txt").write_text("previous rejects\n")
    return d


def _snapshot(d) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# ------------------------------------------------------------ 5 and 7: a disk full part-way


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["score", "w/test.jsonl", "--model-dir", "m", "-o", "s.csv"], "s.csv"),
        (["score", "bad.jsonl", "--model-dir", "m", "--rejects", "rejects.txt"], "rejects.txt"),
        (["train", "w/train.jsonl", "--model-dir", "m", "--seed", "5"], "m"),
        (["generate", "--out", "w", "--days", "12", "--actors", "10", "--seed", "2"], "w"),
        (["evaluate", "s.csv", "--labels", "w", "--report", "r"], "r"),
    ],
)
def test_a_full_disk_leaves_the_previous_output_and_no_part(work, args, target):
    before = _snapshot(work)
    res = _anomaly(*args, cwd=work, fsize=LIMIT)
    assert res.returncode == 1
    last = res.stderr.splitlines()[-1]
    assert last.startswith("Error: cannot write ") and last.endswith(": File too large")
    assert "Traceback" not in res.stderr
    after = _snapshot(work)
    ours = lambda snap: {k: v for k, v in snap.items() if not k.startswith(".mpl")}  # noqa: E731
    assert ours(after) == ours(before)
    leftovers = [n for n in os.listdir(work) if n.startswith(f".{target}.")]
    assert leftovers == []
    assert load_model(work / "m").manifest["params"]["random_state"] == 0


def _kill_moments(run_seconds: float) -> list[float]:
    """Moments to kill a run at, spread over its whole length (imports included)."""
    return [run_seconds * f for f in (0.6, 0.85, 0.97)]


def test_sigkill_during_score_leaves_the_previous_scores(work, tmp_path):
    shutil.copy(work / "s.csv", tmp_path / "out.csv")
    shutil.copytree(work / "m", tmp_path / "m")
    shutil.copy(work / "w" / "test.jsonl", tmp_path / "test.jsonl")
    expected = (tmp_path / "out.csv").read_bytes()
    # the fixture's own --top (20): evidence is listed for the top windows, alerting or not
    args = ("score", "test.jsonl", "--model-dir", "m", "-o", "out.csv", "--top", "20")
    start = time.monotonic()
    assert _anomaly(*args, cwd=tmp_path).returncode == 0
    for moment in _kill_moments(time.monotonic() - start):
        proc = _anomaly(*args, cwd=tmp_path, wait=False)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert (tmp_path / "out.csv").read_bytes() == expected


def test_sigkill_during_train_leaves_a_usable_model(work, tmp_path):
    shutil.copytree(work / "m", tmp_path / "m")
    shutil.copy(work / "w" / "train.jsonl", tmp_path / "train.jsonl")
    old = load_model(tmp_path / "m").manifest["model_id"]
    args = ("train", "train.jsonl", "--model-dir", "m", "--seed", "1")
    start = time.monotonic()
    assert _anomaly(*args, cwd=tmp_path).returncode == 0
    new = load_model(tmp_path / "m").manifest["model_id"]
    assert new != old
    shutil.rmtree(tmp_path / "m")
    shutil.copytree(work / "m", tmp_path / "m")
    for moment in _kill_moments(time.monotonic() - start):
        proc = _anomaly(*args, cwd=tmp_path, wait=False)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert load_model(tmp_path / "m").manifest["model_id"] in (old, new)
    assert _anomaly(*args, cwd=tmp_path).returncode == 0
    assert [n for n in os.listdir(tmp_path) if n.startswith(".m.")] == []  # cleaned up


# ------------------------------------------------------------------ 6: one writer at a time


def test_a_second_train_into_a_directory_is_refused(work, tmp_path):
    shutil.copytree(work / "m", tmp_path / "m")
    before = _snapshot(tmp_path / "m")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
         "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
         str(tmp_path / "m" / ".lock")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        res = _run("train", str(work / "w" / "train.jsonl"), "--model-dir", str(tmp_path / "m"))
    finally:
        holder.kill()
        holder.wait()
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: cannot write {tmp_path / 'm'}: another process is writing this model directory "
        f"(it holds {tmp_path / 'm' / '.lock'}); wait for it to finish, or write to another "
        "model directory\n"
    )
    assert _snapshot(tmp_path / "m") == before


# ------------------------------------------------------------------- 7: folders and devices


def test_outputs_under_a_file_are_errors_before_any_work(work, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    runs = [
        ("score", str(work / "w/test.jsonl"), "--model-dir", str(work / "m"), "-o",
         str(blocker / "s.csv")),
        ("score", str(work / "w/test.jsonl"), "--model-dir", str(work / "m"), "--rejects",
         str(blocker / "r.txt")),
        ("train", str(work / "w/train.jsonl"), "--model-dir", str(blocker / "m")),
        ("generate", "--out", str(blocker / "w"), "--days", "3", "--actors", "10"),
        ("evaluate", str(work / "s.csv"), "--labels", str(work / "w"), "--report",
         str(blocker / "r")),
    ]  # fmt: skip
    for args in runs:
        res = _run(*args)
        assert res.exit_code == 1, args
        assert res.stderr.startswith("Error: cannot write ") and res.stderr.endswith(
            f"{blocker} is not a directory\n"
        ), res.stderr
    assert _listing(tmp_path) == ["file.txt"]


def test_missing_folders_of_outputs_are_created(work, tmp_path):
    rejects = tmp_path / "new" / "deeper" / "rejects.txt"
    res = _run(
        "score", str(work / "bad.jsonl"), "--model-dir", str(work / "m"), "--rejects",
        str(rejects), "--top", "0",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert rejects.read_bytes() == b"not json\n" * 1000


def test_a_full_device_is_an_error_naming_it(work):
    res = _run(
        "score", str(work / "bad.jsonl"), "--model-dir", str(work / "m"), "--rejects",
        "/dev/full", "--top", "0",
    )  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr.endswith("Error: cannot write /dev/full: No space left on device\n")


def _anomaly_piped(*args: str, cwd) -> subprocess.CompletedProcess:
    """Run ``anomaly`` with its standard output a pipe (bytes), as ``anomaly ... | cat``."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLCONFIGDIR=str(cwd / ".mpl"))
    cmd = [sys.executable, "-m", "pipes_anomaly", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=300)


def test_rejects_to_stdout_as_a_pipe(work):
    res = _anomaly_piped(
        "score", "bad.jsonl", "--model-dir", "m", "--rejects", "/dev/stdout", "--top", "0", "-q",
        cwd=work,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout == b"not json\n" * 1000


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_scores_to_stdout_as_a_pipe_equal_the_scores_file(work, tmp_path, fmt):
    args = ("score", "w/test.jsonl", "--model-dir", "m", "--top", "0", "-q", "--format", fmt)
    res = _anomaly_piped(*args, "-o", "/dev/stdout", cwd=work)
    assert res.returncode == 0, res.stderr
    assert _anomaly(*args, "-o", str(tmp_path / f"s.{fmt}"), cwd=work).returncode == 0
    assert res.stdout == (tmp_path / f"s.{fmt}").read_bytes()


def test_a_device_as_output_needs_format(work):
    args = ("score", str(work / "w" / "test.jsonl"), "--model-dir", str(work / "m"), "--top", "0")
    res = _run(*args, "-o", "/dev/null")
    assert res.exit_code == 2
    assert "/dev/null is a device or pipe, whose name gives no format: name it with --format" in (
        res.stderr
    )
    assert _run(*args, "-o", "/dev/null", "--format", "jsonl").exit_code == 0


def test_a_device_is_checked_by_its_own_permission_not_its_folders(monkeypatch):
    from pipes_anomaly import cli

    monkeypatch.setattr(cli.os, "access", lambda path, mode: not os.path.isdir(path))
    cli._check_writable("/dev/null")  # /dev itself is writable only by root
    with pytest.raises(cli.click.ClickException, match="/tmp/x.csv: /tmp is not writable"):
        cli._check_writable("/tmp/x.csv")


# --------------------------------------------------------- 8: an output may not be an input


def test_an_output_that_is_an_input_is_refused(work, tmp_path):
    logs = tmp_path / "in.jsonl"
    shutil.copy(work / "bad.jsonl", logs)
    os.link(logs, tmp_path / "hard.jsonl")
    data = logs.read_bytes()
    model = str(work / "m")
    cases = [
        (["score", str(logs), "--model-dir", model, "--rejects", str(logs)], "--rejects"),
        (["score", str(logs), "--model-dir", model, "-o", str(logs)], "--output"),
        (["score", str(logs), "--model-dir", model, "--rejects", str(tmp_path / "hard.jsonl")],
         "--rejects"),
        (["train", str(logs), "--model-dir", str(tmp_path), "--rejects", str(logs)], "--rejects"),
        (["evaluate", str(tmp_path / "report.md"), "--labels", str(work / "w"), "--report",
          str(tmp_path)], "--report"),
    ]  # fmt: skip
    (tmp_path / "report.md").write_text("not scores")
    for args, option in cases:
        res = _run(*args)
        assert res.exit_code == 2, (args, res.stderr)
        assert f"Invalid value for '{option}'" in res.stderr
        assert "is also an input" in res.stderr
        assert logs.read_bytes() == data
    res = _run("score", str(logs), "--model-dir", model, "-o", str(tmp_path / "a.jsonl"),
               "--rejects", str(tmp_path / "a.jsonl"))  # fmt: skip
    assert res.exit_code == 2 and "is also given to --output" in res.stderr


def test_a_model_directory_holding_an_input_is_refused(work, tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    shutil.copy(work / "w" / "train.jsonl", d / "train.jsonl")
    res = _run("train", str(d / "train.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 2
    assert f"{d} holds the input {d / 'train.jsonl'}, and a model directory is replaced" in (
        res.stderr
    )
    assert _listing(d) == ["train.jsonl"]


def test_a_failed_first_train_leaves_no_directory(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    res = _run("train", str(bad), "--model-dir", str(tmp_path / "new" / "m"))
    assert res.exit_code == 1
    assert _listing(tmp_path) == ["bad.jsonl"]
