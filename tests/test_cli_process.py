"""The CLI's process setting: NumPy's huge-page advice off only where the kernel stalls."""

import numpy as np
import pytest

from pipes_anomaly.cli import tune_process_memory

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
    assert tune_process_memory(thp) is True
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
    assert tune_process_memory(_thp(tmp_path, enabled, defrag)) is False
    assert _core._get_madvise_hugepage() is True


def test_user_setting_wins(advice, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    thp = _thp(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert tune_process_memory(thp) is False
    assert _core._get_madvise_hugepage() is True


def test_no_sysfs_changes_nothing(advice, tmp_path):
    assert tune_process_memory(tmp_path / "missing") is False
    assert _core._get_madvise_hugepage() is True
