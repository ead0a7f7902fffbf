"""What a command tells the person at the terminal: counts, notes, warnings, and progress.

Everything here goes to standard error; standard output carries only results (the alert
table).  Three levels: ``-q`` (warnings and errors only), normal (also counts and notes) and
``-v`` (also details: every file's counts, every name a note shortens, the time each stage
took).  While a stage runs, a spinner with its name and elapsed time (and a bar when bytes are
counted) is drawn, only when standard error is a terminal and the command is not quiet; it
vanishes when the command ends, so a log or pipe gets plain lines.  Every message passes
through :func:`pipes_anomaly._text.message_text` (its text from data was made visible where it
entered it) and a stage name through :func:`pipes_anomaly._text.visible`: text from data
cannot drive the terminal.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from pipes_anomaly._text import message_text, visible

#: Verbosity levels.
QUIET, NORMAL, VERBOSE = -1, 0, 1


class Talk:
    """The voice of one command: messages by level, and a progress line per stage.

    Parameters
    ----------
    level : int, default NORMAL
        :data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`.
    live : bool, optional
        Draw progress; default: standard error is a terminal and ``level`` is not quiet.
    """

    def __init__(self, level: int = NORMAL, *, live: bool | None = None) -> None:
        self.level = level
        self.live = (level > QUIET and sys.stderr.isatty()) if live is None else live
        self._progress: Any = None
        self._task: Any = None
        self._stage: tuple[str, float] | None = None

    def __enter__(self) -> Talk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- messages ---------------------------------------------------------------------

    def _print(self, text: str) -> None:
        text = message_text(text)  # data in it is already visible: its escapes are not doubled
        if self._progress is not None:
            from rich.text import Text

            self._progress.console.print(Text(text), soft_wrap=True, highlight=False)
        else:
            click.echo(text, err=True)

    def say(self, text: str) -> None:
        """Print a message of the normal level (counts, what was written)."""
        if self.level >= NORMAL:
            self._print(text)

    def note(self, text: str) -> None:
        """Print ``Note: text`` at the normal level."""
        if self.level >= NORMAL:
            self._print(f"Note: {text}")

    def warn(self, text: str) -> None:
        """Print ``Warning: text`` at every level."""
        self._print(f"Warning: {text}")

    def detail(self, text: str) -> None:
        """Print a message of the verbose level."""
        if self.level >= VERBOSE:
            self._print(text)

    # -- progress ---------------------------------------------------------------------

    def stage(self, name: str, *, total: int | None = None, counts_bytes: bool = False) -> None:
        """End the running stage and start another.

        Parameters
        ----------
        name : str
            What the stage does (``"Reading logs.jsonl"``).
        total : int, optional
            Bytes the stage will count through :meth:`advance`, when known.
        counts_bytes : bool, default False
            The stage reports bytes through :meth:`advance`.
        """
        self.end_stage()
        self._stage = (name, time.perf_counter())
        if not self.live:
            return
        if self._progress is None:
            self._progress = _start_progress()
        self._task = self._progress.add_task(
            visible(name), total=total, start=True, bytes=counts_bytes
        )

    def advance(self, n: int) -> None:
        """Count ``n`` more bytes of the running stage."""
        if self._task is not None:
            self._progress.advance(self._task, n)

    def end_stage(self) -> None:
        """End the running stage (its time is a detail of the verbose level)."""
        if self._stage is None:
            return
        name, started = self._stage
        self._stage = None
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        self.detail(f"  {name}: {time.perf_counter() - started:.1f} s")

    def close(self) -> None:
        """End the running stage and remove the progress display."""
        self.end_stage()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _start_progress() -> Any:
    """Start a transient progress display on standard error."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Bytes(ProgressColumn):
        """Bytes done (of the total when known), for stages that count bytes."""

        def render(self, task: Any) -> Text:
            return DownloadColumn().render(task) if task.fields.get("bytes") else Text("")

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),  # a name shows as visible() wrote it
        BarColumn(),
        Bytes(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
    )
    progress.start()
    return progress
