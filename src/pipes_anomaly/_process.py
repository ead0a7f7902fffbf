"""How this process gets memory from the kernel: settings for big batch runs.

Process-wide settings belong to whoever owns the process: the command-line interface calls
:func:`tune_process_memory` once, in the commands that do work; the library never changes
process-wide state by itself.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

import numpy as np

__all__ = ["tune_process_memory"]

_THP = Path("/sys/kernel/mm/transparent_hugepage")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
#: mallopt parameter -> (value, the environment variable and glibc tunable that set it)
_MALLOC = {
    _M_MMAP_THRESHOLD: (32 << 20, "MALLOC_MMAP_THRESHOLD_", "glibc.malloc.mmap_threshold"),
    _M_TRIM_THRESHOLD: (1 << 30, "MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold"),
}


def _active(setting: str) -> str:
    """Return the bracketed choice of a sysfs setting such as ``always [madvise] never``."""
    start, end = setting.find("["), setting.find("]")
    return setting[start + 1 : end] if 0 <= start < end else ""


def _hugepage_advice_off(thp: Path) -> bool:
    """Turn NumPy's huge-page advice off if the kernel would stall on it; True if done."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:  # the user's choice wins
        return False
    try:
        enabled = _active((thp / "enabled").read_text())
        defrag = _active((thp / "defrag").read_text())
    except OSError:  # not Linux, or no transparent huge pages
        return False
    # madvised regions compact on fault with these defrag settings ("always" compacts for
    # every huge page, so the advice matters only when huge pages need the advice)
    stalls = defrag in ("madvise", "defer+madvise") or (defrag, enabled) == ("always", "madvise")
    if enabled == "never" or not stalls:
        return False
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        return False
    switch(False)
    return True


def _malloc_keeps_freed() -> bool:
    """Let glibc's malloc reuse freed memory instead of returning it; True if any was set.

    Each threshold the user set (environment variable or ``GLIBC_TUNABLES``) is left alone.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    done = False
    for param, (value, env, tunable) in _MALLOC.items():
        if env in os.environ or tunable in tunables:
            continue
        # 32 MiB is glibc's upper limit for the mmap threshold on 64-bit systems; mallopt
        # returns 0 (and changes nothing) where a value is out of range
        done = bool(mallopt(param, value)) or done
    return done


def tune_process_memory(thp: Path | None = None) -> tuple[str, ...]:
    """Set how this process gets memory from the kernel, for big batch runs.

    Two process-wide settings; the CLI owns its process, so it calls this once at start,
    and the library never changes process-wide state by itself. Each is left alone when
    the user set it through the environment.

    - NumPy marks every array of 4 MiB or more with ``madvise(MADV_HUGEPAGE)``. When the
      kernel's transparent-huge-page ``defrag`` setting is ``madvise`` or
      ``defer+madvise`` (the default of most distributions), or ``always`` while huge pages
      are only given where advised, a page fault in such memory compacts memory
      synchronously instead of falling back to small pages (numpy/numpy#31590). Turned off
      there (``NUMPY_MADVISE_HUGEPAGE`` overrides).
    - glibc's malloc gives every block over 128 KiB its own mapping and returns freed
      memory to the kernel, so the feature pipeline's many short-lived arrays of 1M rows
      fault in fresh pages again and again. Blocks up to 32 MiB come from the heap, and up
      to 1 GiB of freed heap is kept for reuse (``MALLOC_MMAP_THRESHOLD_``,
      ``MALLOC_TRIM_THRESHOLD_`` or the matching ``GLIBC_TUNABLES`` override each; nothing
      is done on other C libraries).

    Parameters
    ----------
    thp : Path, optional
        The sysfs directory of the kernel's transparent-huge-page settings (for tests).

    Returns
    -------
    tuple of str
        What was changed: ``"numpy-hugepage-advice-off"``, ``"malloc-keeps-freed"``.
    """
    done = []
    if _hugepage_advice_off(_THP if thp is None else thp):
        done.append("numpy-hugepage-advice-off")
    if _malloc_keeps_freed():
        done.append("malloc-keeps-freed")
    return tuple(done)
