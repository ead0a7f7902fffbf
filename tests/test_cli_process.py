"""The CLI's process settings: huge-page advice off only where the kernel stalls, malloc reuse.

These tests call ``mallopt`` in the test process itself (only on glibc); the thresholds it
sets change how much freed memory the process keeps, never results.
"""

import platform

import numpy as np
import pytest

from pipes_anomaly._process import tune_process_memory

ADVICE_OFF = "numpy-hugepage-advice-off"
MALLOC = "malloc-keeps-freed"
GLIBC = platform.libc_ver()[0] == "glibc"
_multiarray = (getattr(np, "_core", None) or np.core).multiarray


@pytest.fixture
def advice(monkeypatch):
    """NumPy's huge-page advice switched on for the test, restored afterwards."""
    for key in ("NUMPY_MADVISE_HUGEPAGE", "GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    before = _multiarray._set_madvise_hugepage(True)
    yield
    _multiarray._set_madvise_hugepage(before)


def _thp(tmp_path, enabled: str, defrag: str):
    (tmp_path / "enabled").write_text(enabled + "\n")
    (tmp_path / "defrag").write_text(defrag + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("enabled", "defrag"),
    [
        ("always [madvise] never", "always defer defer+madvise [madvise] never"),
        ("always [madvise] never", "always defer [defer+madvise] madvise never"),
        ("[always] madvise never", "always defer defer+madvise [madvise] never"),
        ("always [madvise] never", "[always] defer defer+madvise madvise never"),
    ],
)
def test_advice_off_where_faults_compact(advice, tmp_path, enabled, defrag):
    assert ADVICE_OFF in tune_process_memory(_thp(tmp_path, enabled, defrag))
    assert _multiarray._get_madvise_hugepage() is False


@pytest.mark.parametrize(
    ("enabled", "defrag"),
    [
        ("always madvise [never]", "always defer defer+madvise [madvise] never"),
        ("always [madvise] never", "always [defer] defer+madvise madvise never"),
        ("[always] madvise never", "always defer defer+madvise madvise [never]"),
        ("[always] madvise never", "[always] defer defer+madvise madvise never"),
    ],
)
def test_advice_kept_where_it_cannot_stall(advice, tmp_path, enabled, defrag):
    assert ADVICE_OFF not in tune_process_memory(_thp(tmp_path, enabled, defrag))
    assert _multiarray._get_madvise_hugepage() is True


def test_user_setting_wins(advice, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    thp = _thp(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert ADVICE_OFF not in tune_process_memory(thp)
    assert _multiarray._get_madvise_hugepage() is True


def test_no_sysfs_changes_nothing(advice, tmp_path):
    assert ADVICE_OFF not in tune_process_memory(tmp_path / "missing")
    assert _multiarray._get_madvise_hugepage() is True


def test_malloc_reuse_set_on_glibc(advice, tmp_path, monkeypatch):
    assert (MALLOC in tune_process_memory(tmp_path)) is GLIBC
    # a tunable about something else does not count as the user's malloc setting
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0")
    assert (MALLOC in tune_process_memory(tmp_path)) is GLIBC


def test_malloc_user_settings_win(advice, tmp_path, monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=65536")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert MALLOC not in tune_process_memory(tmp_path)
