"""Turbot's own test generator as a world this project did not write.

``../shared/peer/turbot_generate.py`` (not seeded: generate it once, keep the file outside
the repository) writes about 500,000 records over 90 days for four actors: ``vhadianto`` and
``jsmith`` are its normal users, ``awhite`` and ``dzhou`` its suspicious ones, odd from the
first day. The check: train the default pipeline (``train_model``) on the first 60 UTC days,
score the rest (``score_events``), and measure whether the suspicious users' actor-days
outrank the normal users' (ROC-AUC; the bar is 0.80), and the share of windows the
default flag alerts on::

    mkdir -p /work/data/turbot && cd /work/data/turbot
    python /work/shared/peer/turbot_generate.py
    python experiments/turbot_check.py /work/data/turbot/pipes_audit_log.parquet

Writes ``experiments/results/turbot_check.md`` with the file's sha256.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

#: Turbot's suspicious users (odd from the first day) and its normal ones.
SUSPICIOUS = ("awhite", "dzhou")
NORMAL = ("jsmith", "vhadianto")
TRAIN_DAYS = 60


def turbot_split(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records of the first ``TRAIN_DAYS`` UTC days (from the first record's day), and the rest.

    Parameters
    ----------
    events : DataFrame
        Events frame of Turbot's file.

    Returns
    -------
    train, test : DataFrame
    """
    cut = events["created_at"].min().floor("D") + pd.Timedelta(days=TRAIN_DAYS)
    before = (events["created_at"] < cut).to_numpy()
    return events[before], events[~before]


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    """Train on the first 60 days, score the rest, write the measures."""
    from _common import machine_line, write_result
    from pipes_anomaly import io
    from pipes_anomaly.pipeline import score_events, train_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parquet", type=Path)
    args = parser.parse_args()
    events = io.read_events(args.parquet).events
    train, test = turbot_split(events)
    scores = score_events(test, train_model(train))
    keep = scores["actor_handle"].isin([*SUSPICIOUS, *NORMAL]).to_numpy()
    y = scores["actor_handle"][keep].isin(SUSPICIOUS).to_numpy()
    auc = float(roc_auc_score(y, scores["score"].to_numpy()[keep]))
    per_actor = scores.groupby("actor_handle").agg(
        days=("score", "size"),
        median_score=("score", "median"),
        min_score=("score", "min"),
        alerts=("alert", "sum"),
    )
    top = scores.sort_values("score", ascending=False).head(6)
    command = f"python experiments/turbot_check.py {args.parquet}"
    lines = [
        "# Turbot's generator: trained on its first 60 days, scored on the rest",
        "",
        machine_line(command),
        "",
        f"File: `{args.parquet}`, {len(events):,} records, sha256 `{sha256(args.parquet)}`; "
        f"training {len(train):,} records, test {len(test):,} records, "
        f"{len(scores)} test actor-days.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| ROC-AUC, {'/'.join(SUSPICIOUS)} days vs {'/'.join(NORMAL)} days | {auc:.3f} |",
        f"| windows alerted at the default flag (1% asked) | {scores['alert'].mean():.3f} |",
        "",
        "| actor | test days | median score | lowest score | alerts |",
        "|---|---|---|---|---|",
        *[
            f"| {a} | {r.days} | {r.median_score:.3f} | {r.min_score:.3f} | {r.alerts} |"
            for a, r in per_actor.iterrows()
        ],
        "",
        "Reasons of the six best-scored days:",
        "",
        *[
            f"- {r.actor_handle} {r.window_start:%Y-%m-%d} ({r.score:.3f}): "
            f"{r.reasons or '(none: reasons are written from a score of 0.9)'}"
            for r in top.itertuples()
        ],
        "",
    ]
    write_result("turbot_check.md", lines)
    if not np.isfinite(auc):
        raise SystemExit("ROC-AUC undefined")


if __name__ == "__main__":
    main()
