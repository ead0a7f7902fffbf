"""All file I/O: reading audit exports, writing generated worlds, scores and rejects.

The rest of the package is pure; this module and ``cli.py`` are the only places
that open files.
"""

from __future__ import annotations

# --- readers (issue 3) ----------------------------------------------------------


# --- writers: generated worlds (issue 2) ----------------------------------------


# --- writers: scores (issue 4) ----------------------------------------------------
