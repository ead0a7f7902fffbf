"""The cross-world matrix: detector variants (rows) on world variants (columns).

Every detection choice is made on the development worlds (since the tenth round, the second
independent world too); the held-out worlds, the first, third, fourth and fifth independent
worlds and Turbot's data are scored after a round of choices, for the report only, never to choose
(docs/decisions.md, "Protocol").

Worlds (columns):

* ``default``: the default world of ``anomaly generate`` (60 days, 150 actors, 42 training
  days) for the seeds of ``--seeds``;
* ``dev`` and ``holdout``: the development and held-out variants that
  ``experiments/worlds.py`` lists (drawn with ``anomaly generate --variant``); ``devx``:
  forty more development variants (:data:`EXTRA_DEV`);
* ``indep`` to ``indep5``: five independent worlds (``experiments/independent*/world.py``,
  each written by a helper without reading the project's generator or detector or the other
  independent worlds), seeds :data:`INDEP_SEEDS`; the second is development data from the
  tenth round on;
* ``turbot``: Turbot's own test generator (``../shared/peer/turbot_generate.py``), trained on
  its first 60 days and scored on the rest; it has no labels, so its measure is the ROC-AUC
  of its "suspicious" users' actor-days against its normal users' (``turbot_check.py``).

Detectors (rows): the default ensemble, its ablations, Isolation Forest and LOF alone, the
SQL hunting queries as rules (``hunting.rule_scores``) and PyOD's ECOD on the same features
(``pip install -e '.[experiments]'``).

Metrics per world (test period, one row per actor-day): PR-AUC, recall in the top 1% and 5%,
the worst attack kind's recall in the top 5%, look-alike days among the top 5% and alerted
at the default flag, and the share of windows the default flag alerts on when 1% is asked.

Run from the repository root, e.g.::

    python experiments/cross_world.py --family default dev --out cross_world_dev
    python experiments/cross_world.py --family holdout turbot --out cross_world_holdout
    python experiments/cross_world.py --family indep --out cross_world_indep
    python experiments/cross_world.py --family indep2 --out cross_world_indep2
    python experiments/cross_world.py --family indep3 --out cross_world_indep3
    python experiments/cross_world.py --family indep4 --out cross_world_indep4
    python experiments/cross_world.py --family indep5 --out cross_world_indep5

Writes ``experiments/results/<out>.md`` (the command, per-world and mean tables) and the
``.csv`` beside it (one row per world and detector).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from pipes_anomaly import catalog, features, hunting, io
from pipes_anomaly.evaluation import EvaluationResult, Labels, evaluate
from pipes_anomaly.generate import GenerateConfig, simulate
from pipes_anomaly.models import AnomalyDetector, alert_flags
from pipes_anomaly.pipeline import score_events, severity, train_model

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from turbot_check import NORMAL, SUSPICIOUS, sha256, turbot_split  # noqa: E402

#: Seeds of the default world in the matrix.
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
#: Further variants drawn from the development family (``anomaly generate --variant SEED
#: --family dev``): with ``worlds.DEV`` (seeds 0-7) the worlds every choice was made on;
#: half of the variants are small organisations, whose few windows make each measure noisy.
EXTRA_DEV = tuple(("dev", s) for s in range(8, 48))
#: Seeds of the independent worlds (reported only, like the held-out variants).
INDEP_SEEDS = (1, 2, 3, 4)
#: Independent world family -> the folder of its generator under ``experiments/``.
INDEPENDENT = {
    "indep": "independent",
    "indep2": "independent2",
    "indep3": "independent3",
    "indep4": "independent4",
    "indep5": "independent5",
}
#: The alert budget asked of the default flag.
ASKED_RATE = 0.01
BUDGET = "5%"


@dataclass(frozen=True)
class World:
    """One column: where its events are and how its truth is known."""

    name: str
    family: str
    train: pd.DataFrame
    test: pd.DataFrame
    labels: Labels | None  # None: Turbot's data (truth by actor handle)
    source: tuple[Path, ...]  # the files, for the SQL rules
    manifest: dict | None = None  # a generated world's manifest (incident forms)


def _read(path: Path) -> pd.DataFrame:
    return io.read_events(path).events


def written_world(name: str, family: str, folder: Path) -> World:
    """A world written to ``folder`` (records, labels and manifest as ``anomaly generate``
    writes them)."""
    return World(
        name,
        family,
        _read(folder / "train.jsonl"),
        _read(folder / "test.jsonl"),
        io.read_labels(folder),
        (folder / "train.jsonl", folder / "test.jsonl"),
        json.loads((folder / "manifest.json").read_text()),
    )


def default_world(seed: int, workdir: Path) -> World:
    """The default world of ``anomaly generate`` for ``seed`` (written once per generator code)."""
    import worlds  # experiments/worlds.py: the generator key of a written world

    config = GenerateConfig(seed=seed)
    out = workdir / f"default{seed}"
    key = worlds._key(config)
    marker = out / ".generator-key"
    if not (marker.is_file() and marker.read_text() == key):
        io.write_world(simulate(config), out)
        marker.write_text(key)
    return written_world(f"default{seed}", "default", out)


def variant_worlds(family: str) -> list[World]:
    """The variants of ``family`` (``dev``, ``holdout``: ``experiments/worlds.py``'s lists;
    ``devx``: :data:`EXTRA_DEV`)."""
    import worlds  # experiments/worlds.py: the fixed lists, written on demand

    listed = {"dev": worlds.DEV, "devx": EXTRA_DEV, "holdout": worlds.HOLDOUT}[family]
    return [
        written_world(f"{fam}-{seed}", family, worlds.world_dir(fam, seed)) for fam, seed in listed
    ]


def independent_world(seed: int, workdir: Path, family: str = "indep") -> World:
    """Independent world ``family``'s world for ``seed`` (written once per version of its
    script)."""
    script = HERE / INDEPENDENT[family] / "world.py"
    out = workdir / f"{family}{seed}"
    key = hashlib.sha256(script.read_bytes() + f"seed={seed}".encode()).hexdigest()
    marker = out / ".generator-key"
    if not (marker.is_file() and marker.read_text() == key):
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, str(script), "--seed", str(seed), "--out", str(out)]
        subprocess.run(cmd, check=True)
        marker.write_text(key)
    return written_world(f"{family}-{seed}", family, out)


def turbot_world(path: Path) -> World:
    """Turbot's generated file, split into its first 60 days and the rest."""
    events = _read(path)
    train, test = turbot_split(events)
    return World("turbot", "turbot", train, test, None, (path,))


# --------------------------------------------------------------------------- detectors


@dataclass(frozen=True)
class Features:
    """The features of one world, computed once for every detector."""

    train: pd.DataFrame
    test: pd.DataFrame


def world_features(world: World) -> Features:
    """Training features (online) and test features (with the training profile)."""
    f_train, profile = features.build_features_and_profile(world.train)
    return Features(f_train, features.build_features(world.test, profile=profile))


def _default(world: World, f: Features) -> pd.DataFrame:
    """The default pipeline as ``anomaly train`` and ``anomaly score`` run it."""
    return score_events(world.test, train_model(world.train))


def _ensemble(**params: object) -> Callable[[World, Features], pd.DataFrame]:
    """A detector row: ``AnomalyDetector(**params)`` on the model features, the default flag."""

    def run(world: World, f: Features) -> pd.DataFrame:
        cols = list(catalog.MODEL_FEATURES)
        det = AnomalyDetector(random_state=0, **params)
        det.fit(f.train[cols], groups=f.train["actor_id"].to_numpy())
        s = det.anomaly_score(f.test[cols], groups=f.test["actor_id"].to_numpy())
        return scores_frame(f.test, s, alert_flags(s, det.threshold_, ASKED_RATE))

    return run


def _ecod(world: World, f: Features) -> pd.DataFrame:
    from pyod.models.ecod import ECOD

    cols = list(catalog.MODEL_FEATURES)
    est = ECOD().fit(f.train[cols].to_numpy())
    train = np.sort(est.decision_scores_)
    s = np.searchsorted(train, est.decision_function(f.test[cols].to_numpy())) / len(train)
    cut = np.searchsorted(train, np.quantile(train, 1 - ASKED_RATE)) / len(train)
    return scores_frame(f.test, s, alert_flags(s, cut, ASKED_RATE))


def _rules(world: World, f: Features) -> pd.DataFrame:
    keys = f.test.loc[:, ["actor_id", "actor_handle", "window_start", "window_end", "n_events"]]
    out = hunting.rule_scores(list(world.source), windows=keys, weighting="rarity")
    return out


#: The old revision's default, run in a child process whose ``PYTHONPATH`` holds its code:
#: its training features online, the test period's with its profile, its ensemble and flag
#: (with its alert cap where the revision has one, as ``anomaly score`` flags).
_BEFORE_CHILD = r"""
import json, sys
import pandas as pd
from pipes_anomaly import catalog, features, io
from pipes_anomaly.models import AnomalyDetector
spec = json.loads(sys.argv[1])
events = io.read_events(spec["paths"]).events
cut = pd.Timestamp(spec["cut"])
train, test = events[events["created_at"] < cut], events[events["created_at"] >= cut]
f_train, profile = features.build_features_and_profile(train)
f_test = features.build_features(test, profile=profile)
cols = list(catalog.MODEL_FEATURES)
det = AnomalyDetector().fit(f_train[cols], groups=f_train["actor_id"].to_numpy())
out = f_test.loc[:, ["actor_id", "actor_handle", "window_start", "window_end", "n_events"]]
out = out.reset_index(drop=True)
out["score"] = det.anomaly_score(f_test[cols], groups=f_test["actor_id"].to_numpy())
try:
    from pipes_anomaly.models import alert_flags
except ImportError:  # a revision from before the alert cap
    out["alert"] = out["score"] > det.threshold_
else:
    out["alert"] = alert_flags(out["score"].to_numpy(), det.threshold_, det.alert_rate)
out.to_parquet(spec["out"])
"""


def _before(rev: str, src: Path) -> Callable[[World, Features], pd.DataFrame]:
    """A detector row: the default of revision ``rev`` (its code exported to ``src``)."""

    def run(world: World, f: Features) -> pd.DataFrame:
        out = src.parent / f"{world.name}.parquet"
        cut = world.test["created_at"].min()
        spec = {"paths": [str(p) for p in world.source], "cut": str(cut), "out": str(out)}
        env = {**os.environ, "PYTHONPATH": str(src)}
        subprocess.run([sys.executable, "-c", _BEFORE_CHILD, json.dumps(spec)], check=True, env=env)
        scores = pd.read_parquet(out)
        scores["severity"] = severity(
            np.clip(scores["score"].to_numpy(), 0, 1), scores["alert"].to_numpy()
        )
        return scores

    return run


#: Detector rows: name -> function of a world and its features returning a scores frame.
DETECTORS: dict[str, Callable[[World, Features], pd.DataFrame]] = {
    "default": _default,
    "ensemble_no_rarest": _ensemble(rarest=False),
    "ensemble_forest_full_weight": _ensemble(forest_weight=1.0),
    "ensemble_actor_only": _ensemble(actor_weight=1.0),
    "ensemble_no_actor_offset": _ensemble(actor_weight=0.0),
    "iforest": _ensemble(algorithm="iforest"),
    "lof": _ensemble(algorithm="lof"),
    "sql_rules": _rules,
    "pyod_ecod": _ecod,
}


def scores_frame(feats: pd.DataFrame, score: np.ndarray, alert: np.ndarray) -> pd.DataFrame:
    """A minimal scores frame (design.md section 5) for :func:`evaluate`."""
    out = feats.loc[:, ["actor_id", "actor_handle", "window_start", "window_end", "n_events"]]
    out = out.reset_index(drop=True)
    out["score"] = score
    out["alert"] = np.asarray(alert, dtype=bool)
    out["severity"] = severity(np.clip(score, 0, 1), out["alert"].to_numpy())
    return out


# --------------------------------------------------------------------------- metrics


def labelled_metrics(
    scores: pd.DataFrame, labels: Labels, manifest: dict | None = None
) -> dict[str, float | str]:
    """The matrix's measures of one scores frame against a generated world's labels."""
    res = evaluate(scores, labels)
    summary = res.summary()
    scen = res.scenarios.set_index("scenario")[f"recall@{BUDGET}"]
    looks = res.lookalikes.set_index("kind")
    all_looks = looks.loc["all"] if "all" in looks.index else None
    return {
        "pr_auc": res.pr_auc,
        "roc_auc": res.roc_auc,
        "recall@1%": summary["recall@1%"],
        "recall@5%": summary["recall@5%"],
        "worst_kind@5%": float(scen.min()) if len(scen) else np.nan,
        "worst_kind": str(scen.idxmin()) if len(scen) else "",
        "kinds_below_half@5%": int((scen < 0.5).sum()),
        "lookalike_days": int(all_looks["windows"]) if all_looks is not None else 0,
        "lookalike_alerts_flag": (
            float(all_looks["alerts_flag"]) if all_looks is not None else 0.0
        ),
        "lookalike_alerts@5%": float(all_looks[f"alerts@{BUDGET}"])
        if all_looks is not None
        else 0.0,
        "alert_rate": float(scores["alert"].mean()),
        "alert_rate_benign": float(res.windows.loc[~res.windows["is_positive"], "alert"].mean()),
        **form_metrics(res, manifest or {}),
        **{f"kind@5%[{k}]": float(v) for k, v in scen.items()},
    }


def form_metrics(res: EvaluationResult, manifest: dict) -> dict[str, float]:
    """Incidents caught in the top 5% by form (plain, subtle, persistent), and the days of
    benign actors odd every day (shared accounts, broken bots) in the top 5%."""
    listed = manifest.get("incidents", [])
    if isinstance(listed, list):  # the project's generator: one entry per incident
        form = {i["incident_id"]: i.get("form", "plain") for i in listed}
    else:  # the independent world: incident id -> form
        form = dict(manifest.get("incident_forms", {}))
    inc = res.incidents.assign(form=res.incidents["incident_id"].map(form))
    out = {}
    for name in ("plain", "subtle", "persistent"):
        caught = inc.loc[inc["form"] == name, f"caught@{BUDGET}"]
        out[f"incidents@{BUDGET}[{name}]"] = float(caught.mean()) if len(caught) else np.nan
    looks = res.lookalikes.set_index("kind")
    odd = [k for k in ("shared_account", "broken_bot") if k in looks.index]
    out["odd_actor_days@5%"] = float(looks.loc[odd, f"alerts@{BUDGET}"].sum()) if odd else 0.0
    return out


def turbot_metrics(scores: pd.DataFrame) -> dict[str, float | str]:
    """ROC-AUC of Turbot's suspicious users' days against its normal users', and the flag."""
    handle = scores["actor_handle"]
    keep = handle.isin([*SUSPICIOUS, *NORMAL]).to_numpy()
    y = handle[keep].isin(SUSPICIOUS).to_numpy()
    return {
        "roc_auc": float(roc_auc_score(y, scores["score"].to_numpy()[keep])),
        "alert_rate": float(scores["alert"].mean()),
    }


def run_world(world: World, detectors: list[str]) -> list[dict]:
    """Every detector on one world; one dict of measures per detector."""
    t0 = time.perf_counter()
    f = world_features(world)
    print(f"{world.name}: features {time.perf_counter() - t0:.1f}s", flush=True)
    rows = []
    for name in detectors:
        t0 = time.perf_counter()
        scores = DETECTORS[name](world, f)
        measure = (
            turbot_metrics(scores)
            if world.labels is None
            else labelled_metrics(scores, world.labels, world.manifest)
        )
        rows.append(
            {
                "world": world.name,
                "family": world.family,
                "detector": name,
                "windows": len(scores),
                "seconds": round(time.perf_counter() - t0, 1),
                **measure,
            }
        )
    return rows


# --------------------------------------------------------------------------- report

HEADLINE = [
    "pr_auc",
    "recall@1%",
    "recall@5%",
    "worst_kind@5%",
    "kinds_below_half@5%",
    "incidents@5%[plain]",
    "incidents@5%[subtle]",
    "incidents@5%[persistent]",
    "lookalike_alerts_flag",
    "lookalike_alerts@5%",
    "odd_actor_days@5%",
    "alert_rate",
    "alert_rate_benign",
]


def _cell(v: object) -> str:
    if isinstance(v, float):
        return "n/a" if np.isnan(v) else f"{v:.3f}"
    return str(v)


def markdown(df: pd.DataFrame, command: str, notes: list[str]) -> str:
    """Tables: per family the mean and worst world per detector, then every world."""
    lines = ["# Cross-world matrix", "", f"Command: `{command}`.", "", *notes, ""]
    for family, sub in df.groupby("family", sort=False):
        cols = ["roc_auc", "alert_rate"] if family == "turbot" else HEADLINE
        lines += [f"## {family}: mean over {sub['world'].nunique()} world(s)", ""]
        lines += ["| detector | " + " | ".join(cols) + " |", "|---" * (1 + len(cols)) + "|"]
        for det, g in sub.groupby("detector", sort=False):
            lines.append(f"| {det} | " + " | ".join(_cell(float(g[c].mean())) for c in cols) + " |")
        if family != "turbot":
            worst = sub.loc[sub.groupby("detector", sort=False)["pr_auc"].idxmin()]
            lines += ["", f"Worst {family} world per detector (by PR-AUC):", ""]
            lines += ["| detector | world | " + " | ".join(cols) + " | worst kind |"]
            lines += ["|---" * (3 + len(cols)) + "|"]
            for _, r in worst.iterrows():
                lines.append(
                    f"| {r['detector']} | {r['world']} | "
                    + " | ".join(_cell(r[c]) for c in cols)
                    + f" | {r['worst_kind']} |"
                )
        lines.append("")
    lines += ["## Every world", ""]
    cols = ["roc_auc", *HEADLINE, "worst_kind", "lookalike_days", "windows"]
    lines += ["| world | detector | " + " | ".join(cols) + " |", "|---" * (2 + len(cols)) + "|"]
    for _, r in df.iterrows():
        lines.append(
            f"| {r['world']} | {r['detector']} | "
            + " | ".join(_cell(r.get(c, np.nan)) for c in cols)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the matrix on the asked world families and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--family",
        nargs="+",
        default=["default", "dev"],
        choices=["default", "dev", "devx", "holdout", *INDEPENDENT, "turbot"],
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=list(DEFAULT_SEEDS),
        help="seeds of the default world",
    )
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS), choices=list(DETECTORS))
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "cross_world")
    parser.add_argument(
        "--turbot", type=Path, default=Path("/work/data/turbot/pipes_audit_log.parquet")
    )
    parser.add_argument("--out", default=None, help="results name without suffix")
    parser.add_argument(
        "--before-rev", default=None, help="also the default of this git revision (its own code)"
    )
    args = parser.parse_args()
    detectors = list(args.detectors)
    if args.before_rev:
        from _common import export_rev

        tmp = Path(tempfile.mkdtemp(prefix="cross_world_before_"))
        name = f"before_{args.before_rev}"
        DETECTORS[name] = _before(args.before_rev, export_rev(args.before_rev, tmp / "src"))
        detectors.append(name)
    command = "python experiments/cross_world.py " + " ".join(sys.argv[1:])
    notes = []
    rows: list[dict] = []
    for family in args.family:
        if family == "default":
            worlds = [default_world(s, args.workdir) for s in args.seeds]
        elif family in INDEPENDENT:
            worlds = [independent_world(s, args.workdir, family) for s in INDEP_SEEDS]
        elif family == "turbot":
            worlds = [turbot_world(args.turbot)]
            notes.append(f"Turbot's file: `{args.turbot}`, sha256 `{sha256(args.turbot)}`.")
        else:
            worlds = variant_worlds(family)
        for world in worlds:
            rows += run_world(world, detectors)
    df = pd.DataFrame(rows)
    name = args.out or "cross_world_" + "_".join(args.family)
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / f"{name}.csv", index=False, float_format="%.4f")
    text = markdown(df, command, notes)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
