"""Read the ground truth of a generated world (labels, look-alikes, manifest, actors)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipes_anomaly.evaluation import Labels


class LabelsError(ValueError):
    """A labels directory or scores file that cannot be read; the message names the file."""


def read_labels(directory: str | Path) -> Labels:
    """Read the ground truth written by ``anomaly generate --out DIR`` (design.md section 6).

    Parameters
    ----------
    directory : str or Path
        Directory holding ``labels.csv`` (required), ``lookalikes.csv``,
        ``window_labels.csv``, ``manifest.json`` and ``actors.csv`` (optional; its
        ``actor_id`` column only).

    Returns
    -------
    Labels

    Raises
    ------
    LabelsError
        When the directory or ``labels.csv`` is missing or a file cannot be parsed.
    """
    d = Path(directory)
    if not d.is_dir():
        raise LabelsError(f"labels directory not found: {d}")
    labels_csv = d / "labels.csv"
    if not labels_csv.is_file():
        raise LabelsError(
            f"labels file not found: {labels_csv} (expected the --out directory of "
            "'anomaly generate')"
        )

    def _csv(p: Path) -> pd.DataFrame:
        try:
            return pd.read_csv(p, dtype="string", keep_default_na=False)
        except (ValueError, OSError) as exc:
            raise LabelsError(f"{p}: cannot read CSV: {exc}") from exc

    records = _csv(labels_csv)
    look_p, win_p, man_p = d / "lookalikes.csv", d / "window_labels.csv", d / "manifest.json"
    actors_p = d / "actors.csv"
    lookalikes = _csv(look_p) if look_p.is_file() else None
    actors = None
    if actors_p.is_file():
        table = _csv(actors_p)
        if "actor_id" not in table.columns:
            raise LabelsError(f"{actors_p}: no 'actor_id' column")
        actors = table["actor_id"].tolist()
    window_labels = _csv(win_p) if win_p.is_file() else None
    manifest = {}
    if man_p.is_file():
        try:
            manifest = json.loads(man_p.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise LabelsError(f"{man_p}: invalid JSON: {exc}") from exc
    try:
        return Labels.from_frames(
            records, lookalikes, window_labels=window_labels, manifest=manifest, actors=actors
        )
    except ValueError as exc:
        raise LabelsError(f"{d}: {exc}") from exc
