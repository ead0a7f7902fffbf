"""The CLI's process settings: huge-page advice off only where the kernel stalls, malloc reuse."""

import platform

import numpy as np
import pytest

from pipes_anomaly.cli import tune_process_memory

ADVICE_OFF = "numpy-hugepage-advice-off"

_core = np._core.multiarray


@pytest.fixture
def advice(monkeypatch):
    """NumPy's huge-page advice switched on for the test, restored afterwards."""
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    before = _core._set_madvise_hugepage(True)
    yield
    _core._set_madvise_hugepage(before)


def _thp(tmp_path, enabled: str, defrag: str):
    (tmp_path / "enabled").write_text(enabled + "\n")
    (tmp_path / "defrag").write_text(defrag + "\n")
    return tmp_path


@pytest.mark.parametrize(
    "defrag", ["always defer defer+madvise [madvise] never", "always defer [defer+madvise] never"]
)
def test_advice_off_where_faults_compact(advice, tmp_path, defrag):
    thp = _thp(tmp_path, "always [madvise] never", defrag)
    assert ADVICE_OFF in tune_process_memory(thp)
    assert _core._get_madvise_hugepage() is False


@pytest.mark.parametrize(
    ("enabled", "defrag"),
    [
        ("always madvise [never]", "always defer defer+madvise [madvise] never"),
        ("always [madvise] never", "always [defer] defer+madvise madvise never"),
        ("[always] madvise never", "always defer defer+madvise madvise [never]"),
    ],
)
def test_advice_kept_where_it_cannot_stall(advice, tmp_path, enabled, defrag):
    assert ADVICE_OFF not in tune_process_memory(_thp(tmp_path, enabled, defrag))
    assert _core._get_madvise_hugepage() is True


def test_user_setting_wins(advice, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    thp = _thp(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert ADVICE_OFF not in tune_process_memory(thp)
    assert _core._get_madvise_hugepage() is True


def test_no_sysfs_changes_nothing(advice, tmp_path):
    assert ADVICE_OFF not in tune_process_memory(tmp_path / "missing")
    assert _core._get_madvise_hugepage() is True


def test_malloc_reuse_set_on_glibc(advice, tmp_path, monkeypatch):
    for key in ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(key, raising=False)
    glibc = platform.libc_ver()[0] == "glibc"
    assert ("malloc-keeps-freed" in tune_process_memory(tmp_path)) is glibc


@pytest.mark.parametrize("key", ["GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_"])
def test_malloc_user_setting_wins(advice, tmp_path, monkeypatch, key):
    monkeypatch.setenv(key, "glibc.malloc.mmap_threshold=65536" if key[0] == "G" else "65536")
    assert "malloc-keeps-freed" not in tune_process_memory(tmp_path)
