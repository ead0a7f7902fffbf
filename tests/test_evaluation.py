"""Evaluation metrics on tiny hand-built scores and labels with known answers, and the CLI."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pipes_anomaly.cli import main
from pipes_anomaly.evaluation import (
    EvaluationError,
    Labels,
    LabelsMismatchError,
    budget_label,
    budget_selection,
    evaluate,
    window_truth,
)
from pipes_anomaly.evaluation import _any_selected_probability as any_selected
from pipes_anomaly.report import EVALUATION_PLOTS, evaluation_plots

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-03-01", tz="UTC")


def day_scores(actors: int = 10, days: int = 10, base: float = 0.1) -> pd.DataFrame:
    """100 benign actor-days with a constant low score, window bounds as ISO strings."""
    rows = []
    for a, d in itertools.product(range(actors), range(days)):
        start = T0 + d * DAY
        rows.append(
            {
                "actor_id": f"u_{a:02d}",
                "window_start": start.isoformat(),
                "window_end": (start + DAY).isoformat(),
                "score": base,
                "alert": False,
            }
        )
    return pd.DataFrame(rows)


def set_window(frame: pd.DataFrame, actor: str, day: int, **values: object) -> None:
    start = (T0 + day * DAY).isoformat()
    mask = (frame["actor_id"] == actor) & (frame["window_start"] == start)
    assert mask.sum() == 1
    for key, value in values.items():
        frame.loc[mask, key] = value


def label(actor: str, when: str, scenario: str, incident: str, rid: str = "") -> dict:
    return {
        "record_id": rid or f"a_{actor}_{when}",
        "actor_id": actor,
        "created_at": when,
        "scenario": scenario,
        "incident_id": incident,
    }


@pytest.fixture()
def world() -> tuple[pd.DataFrame, Labels]:
    """Three incidents in two scenarios, one traveller look-alike, known ranking."""
    scores = day_scores()
    # mass_deletion i1: two windows (u_01 day 2 and 3); only day 3 is flagged and top-ranked
    set_window(scores, "u_01", 2, score=0.5)
    set_window(scores, "u_01", 3, score=0.99, alert=True)
    # off_hours i2: u_02 day 5, ranked 2nd, not flagged
    set_window(scores, "u_02", 5, score=0.95)
    # off_hours i3: u_03 day 7, low score
    set_window(scores, "u_03", 7, score=0.2)
    # look-alike traveller on u_04 day 1: flagged, ranked 3rd (a false alert)
    set_window(scores, "u_04", 1, score=0.9, alert=True)
    records = pd.DataFrame(
        [
            label("u_01", "2024-03-03T23:50:00Z", "mass_deletion", "i1"),
            label("u_01", "2024-03-04T00:05:00Z", "mass_deletion", "i1"),
            label("u_01", "2024-03-04T00:06:00Z", "mass_deletion", "i1"),
            label("u_02", "2024-03-06T03:00:00Z", "off_hours", "i2"),
            label("u_03", "2024-03-08T02:00:00Z", "off_hours", "i3"),
            # outside the scores' span (training period): ignored, not unmatched
            label("u_05", "2024-01-01T00:00:00Z", "billing_change", "i0"),
        ]
    )
    look = pd.DataFrame({"actor_id": ["u_04"], "day": ["2024-03-02"], "kind": ["traveller"]})
    return scores, Labels.from_frames(records, look)


def test_known_answers(world: tuple[pd.DataFrame, Labels]) -> None:
    scores, labels = world
    r = evaluate(scores, labels, budgets=(0.01, 0.05), ks=(1, 3, 1000))
    assert (r.n_windows, r.n_positive, r.n_alerts) == (100, 4, 2)
    assert r.window == "1d"
    assert r.unmatched_labels == 0
    # flag: one true alert (u_01 day 3), one false (traveller); 3 positive windows missed
    assert r.flag["tp"] == 1 and r.flag["fp"] == 1 and r.flag["fn"] == 3
    assert r.flag["precision"] == pytest.approx(0.5)
    assert r.flag["recall"] == pytest.approx(0.25)
    assert r.flag["f1"] == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    # budget 1% = 1 window: the top one is positive; 5% = 5 windows: 0.99 .95 .9 .5 .2
    b = r.budgets.set_index("label")
    assert b.loc["1%", "k"] == 1 and b.loc["1%", "recall"] == pytest.approx(0.25)
    assert b.loc["5%", "k"] == 5 and b.loc["5%", "recall"] == pytest.approx(1.0)
    assert b.loc["5%", "precision"] == pytest.approx(0.8)
    # precision@k, k clipped to n
    pk = r.precision_at_k.set_index("k")
    assert pk.loc[1, "precision"] == 1.0
    assert pk.loc[3, "precision"] == pytest.approx(2 / 3)
    assert pk.loc[1000, "k_used"] == 100
    # per scenario
    sc = r.scenarios.set_index("scenario")
    assert set(sc.index) == {"mass_deletion", "off_hours"}
    assert sc.loc["mass_deletion", "windows"] == 2
    assert sc.loc["mass_deletion", "recall_flag"] == pytest.approx(0.5)
    assert sc.loc["mass_deletion", "recall@1%"] == pytest.approx(0.5)
    assert sc.loc["off_hours", "recall@1%"] == 0.0
    assert sc.loc["off_hours", "recall@5%"] == pytest.approx(1.0)
    assert sc.loc["off_hours", "incidents"] == 2
    assert sc.loc["off_hours", "incidents_flag"] == 0
    assert sc.loc["off_hours", "incidents@5%"] == 2
    # incidents: i1 caught at the flag through its second window
    inc = r.incidents.set_index("incident_id")
    assert bool(inc.loc["i1", "caught_flag"]) and not bool(inc.loc["i2", "caught_flag"])
    assert inc.loc["i1", "windows"] == 2 and inc.loc["i1", "best_rank"] == 1
    assert inc.loc["i2", "caught@1%"] == 0.0 and inc.loc["i2", "caught@5%"] == 1.0
    assert "i0" not in inc.index
    # look-alikes: the traveller window is flagged and inside the 5% budget
    lk = r.lookalikes.set_index("kind")
    assert lk.loc["traveller", "windows"] == 1
    assert lk.loc["traveller", "alerts_flag"] == 1
    assert lk.loc["traveller", "alerts@1%"] == 0 and lk.loc["traveller", "alerts@5%"] == 1
    assert lk.loc["all", "alerts_flag"] == 1
    # ranking metrics: positives at ranks 1, 2, 4, 5 among 100
    assert r.pr_auc == pytest.approx((1 + 1 + 3 / 4 + 4 / 5) / 4)
    assert r.roc_auc > 0.95
    s = r.summary()
    assert s["recall@5%"] == 1.0 and s["min_scenario_recall@1%"] == 0.0
    assert s["recall@1%[mass_deletion]"] == 0.5 and s["incidents@5%"] == 1.0


def test_perfect_ranking_gives_pr_auc_one_and_full_recall() -> None:
    scores = day_scores()
    records = []
    for i, a in enumerate(["u_01", "u_02", "u_03"]):
        set_window(scores, a, i, score=0.9 + i / 100, alert=True)
        records.append(label(a, (T0 + i * DAY + pd.Timedelta(hours=5)).isoformat(), "x", f"i{i}"))
    r = evaluate(scores, Labels.from_frames(pd.DataFrame(records)))
    assert r.pr_auc == 1.0 and r.roc_auc == 1.0
    assert r.flag["precision"] == 1.0 and r.flag["recall"] == 1.0 and r.flag["f1"] == 1.0
    recall = r.budgets.set_index("label")["recall"]
    assert recall["5%"] == 1.0 and recall["10%"] == 1.0
    assert recall["0.1%"] == pytest.approx(1 / 3)  # k = 1 window out of 100


def test_hourly_windows_map_records_to_their_hour_and_lookalike_days_to_all_hours() -> None:
    rows = []
    for a in ("u_a", "u_b"):
        for h in range(48):
            start = T0 + pd.Timedelta(hours=h)
            rows.append(
                {
                    "actor_id": a,
                    "window_start": start,
                    "window_end": start + pd.Timedelta(hours=1),
                    "score": h / 100,
                }
            )
    scores = pd.DataFrame(rows)
    records = pd.DataFrame(
        [
            label("u_a", "2024-03-01T05:30:00Z", "off_hours", "i1"),
            label("u_a", "2024-03-02T06:00:00Z", "off_hours", "i1"),  # start boundary
            label("u_a", "2024-03-01T06:59:59+00:00", "off_hours", "i1"),  # end boundary
        ]
    )
    look = pd.DataFrame({"actor_id": ["u_b"], "day": ["2024-03-02"], "kind": ["traveller"]})
    labels = Labels.from_frames(records, look)
    r = evaluate(scores, labels)
    assert r.window == "1h"
    pos = r.windows[r.windows["is_positive"]]
    got = sorted(pos["window_start"].dt.strftime("%d %H:%M"))
    assert got == ["01 05:00", "01 06:00", "02 06:00"]
    assert (pos["actor_id"] == "u_a").all()
    assert r.lookalikes.set_index("kind").loc["traveller", "windows"] == 24
    hits, unmatched = window_truth(r.windows, labels)
    assert len(hits) == 3 and unmatched == 0


def test_ties_count_as_expected_values() -> None:
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1])
    w = budget_selection(score, 3)
    assert w.tolist() == [1.0, 0.5, 0.5, 0.5, 0.5, 0.0]
    assert w.sum() == 3
    assert budget_selection(score, 0).sum() == 0 and budget_selection(score, 99).sum() == 6
    # all windows tied: recall at a 10% budget is 10% whatever the labels
    scores = day_scores()
    records = [label("u_00", "2024-03-01T01:00:00Z", "x", "i1")]
    r = evaluate(scores, Labels.from_frames(pd.DataFrame(records)), budgets=(0.1,))
    assert r.budgets["recall"].iloc[0] == pytest.approx(0.1)
    assert r.roc_auc == pytest.approx(0.5)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_incident_caught_probability_matches_enumeration(k: int) -> None:
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1])
    members = np.array([2, 3])
    above = score > np.sort(score)[::-1][k - 1]
    tied = np.flatnonzero(score == np.sort(score)[::-1][k - 1])
    slots = k - int(above.sum())
    picks = list(itertools.combinations(tied, slots))
    brute = sum(any(m in p or above[m] for m in members) for p in picks) / len(picks)
    assert any_selected(score, members, k) == pytest.approx(brute)


def test_no_positive_and_all_positive_windows_do_not_crash() -> None:
    scores = day_scores(actors=2, days=3)
    r = evaluate(scores, Labels.from_frames(pd.DataFrame([], columns=list(label("", "", "", "")))))
    assert r.n_positive == 0 and math.isnan(r.pr_auc) and math.isnan(r.roc_auc)
    assert math.isnan(r.flag["recall"]) and math.isnan(r.budgets["recall"].iloc[0])
    assert r.scenarios.empty and r.incidents.empty and any("No labelled" in n for n in r.notes)
    assert len(evaluation_plots(r)) == 4
    records = [
        label(a, (T0 + d * DAY).isoformat(), "x", "i1")
        for a, d in itertools.product(["u_00", "u_01"], range(3))
    ]
    r = evaluate(scores, Labels.from_frames(pd.DataFrame(records)))
    assert r.n_positive == 6 and r.pr_auc == 1.0 and math.isnan(r.roc_auc)
    assert r.flag["recall"] == 0.0 and r.flag["f1"] == 0.0


def test_missing_alert_column_leaves_flag_metrics_undefined(world) -> None:
    scores, labels = world
    r = evaluate(scores.drop(columns="alert"), labels)
    assert math.isnan(r.flag["precision"]) and math.isnan(r.scenarios["recall_flag"].iloc[0])
    assert r.pr_auc > 0.5 and any("no 'alert' column" in n for n in r.notes)


def test_scores_errors_name_the_problem(world) -> None:
    scores, labels = world
    with pytest.raises(EvaluationError, match=r"missing required column\(s\): window_end, score"):
        evaluate(scores.drop(columns=["score", "window_end"]), labels)
    with pytest.raises(EvaluationError, match="duplicated actor-window"):
        evaluate(pd.concat([scores, scores.iloc[:1]]), labels)
    forged = scores.iloc[:1].assign(actor_id="u_x\nError: all clear\x1b[2J")
    with pytest.raises(EvaluationError) as err:  # an id from data stays on one line, inert
        evaluate(pd.concat([scores, forged, forged]), labels)
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)
    assert "u_x\\x0aError: all clear\\x1b[2J" in str(err.value)
    findings = pd.DataFrame({"class_uid": [2004], "finding_info": [{"uid": "x"}]})
    with pytest.raises(EvaluationError, match=r"OCSF findings .* -o scores.csv"):
        evaluate(findings, labels)
    bad = scores.astype({"score": object})
    bad.loc[0, "score"] = "high"
    with pytest.raises(EvaluationError, match="'score' has 1 missing or non-numeric"):
        evaluate(bad, labels)
    with pytest.raises(EvaluationError, match=r"budget 0 is not a fraction in \(0, 1\]"):
        evaluate(scores, labels, budgets=(0,))
    labelled = (scores["actor_id"] + scores["window_start"]).isin(
        [f"u_01{(T0 + 2 * DAY).isoformat()}", f"u_01{(T0 + 3 * DAY).isoformat()}"]
        + [f"u_02{(T0 + 5 * DAY).isoformat()}", f"u_03{(T0 + 7 * DAY).isoformat()}"]
    )
    with pytest.raises(LabelsMismatchError, match="none of the 5 labelled record"):
        evaluate(scores[~labelled], labels)
    for empty in ("", None):
        blank = scores.astype({"actor_id": object})
        blank.loc[0, "actor_id"] = empty
        with pytest.raises(EvaluationError, match="column 'actor_id' has empty values"):
            evaluate(blank, labels)


def test_scores_of_another_world_are_refused(world) -> None:
    scores, labels = world
    other = scores.assign(actor_id=scores["actor_id"].str.replace("u_", "x_"))
    with pytest.raises(
        LabelsMismatchError,
        match=r"share no actor: 10 actors scored on UTC days 2024-03-01 to 2024-03-10, 5 actors "
        r"named by the labels; evaluate the scores of the world these labels belong to",
    ):
        evaluate(other, labels)
    # the world's own actors and timeline (actors.csv, the manifest's periods) decide
    periods = {"train_period": {"start": "2024-02-01"}, "test_period": {"end": "2024-03-10"}}
    known = [f"u_{a:02d}" for a in range(12)]
    same = dataclasses.replace(labels, actors=tuple(known), manifest=periods)
    assert evaluate(scores, same).n_positive == 4
    with pytest.raises(
        LabelsMismatchError, match="share no actor: 10 actors scored .* 12 actors in"
    ):
        evaluate(other, same)
    later = scores.assign(
        window_start=pd.to_datetime(scores["window_start"]) + 365 * DAY,
        window_end=pd.to_datetime(scores["window_end"]) + 365 * DAY,
    )
    with pytest.raises(
        LabelsMismatchError,
        match=r"share no day: 10 actors scored on UTC days 2025-03-01 to 2025-03-10, 12 actors in "
        r"the labels' world on UTC days 2024-02-01 to 2024-03-10;",
    ):
        evaluate(later, same)
    with pytest.raises(LabelsMismatchError, match="share no actor and no day"):
        evaluate(later.assign(actor_id=other["actor_id"]), same)


def test_budget_labels() -> None:
    assert [budget_label(b) for b in (0.001, 0.01, 0.05, 0.1, 1)] == [
        "0.1%",
        "1%",
        "5%",
        "10%",
        "100%",
    ]


# --- CLI -----------------------------------------------------------------------------------


def write_world(tmp_path: Path, scores: pd.DataFrame, labels: Labels) -> Path:
    d = tmp_path / "world"
    d.mkdir()
    out = labels.records.copy()
    out["created_at"] = out["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(d / "labels.csv", index=False)
    look = labels.lookalikes.copy()
    look["day"] = look["day"].dt.strftime("%Y-%m-%d")
    look.to_csv(d / "lookalikes.csv", index=False)
    (d / "manifest.json").write_text('{"seed": 0}')
    return d


def test_cli_report_writes_self_contained_html_and_plots(world, tmp_path: Path) -> None:
    scores, labels = world
    d = write_world(tmp_path, scores, labels)
    scores.to_csv(tmp_path / "scores.csv", index=False)
    rep = tmp_path / "rep"
    res = CliRunner().invoke(
        main, ["evaluate", str(tmp_path / "scores.csv"), "--labels", str(d), "--report", str(rep)]
    )
    assert res.exit_code == 0, res.output
    assert "Recall per scenario" in res.output and "mass_deletion" in res.output
    for name in ["report.md", "report.html", *EVALUATION_PLOTS]:
        assert (rep / name).is_file(), name
    for name in EVALUATION_PLOTS:
        assert (rep / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (rep / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(EVALUATION_PLOTS)
    assert base64.b64decode(images[0])[:4] == b"\x89PNG"
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing external
    md = (rep / "report.md").read_text()
    assert "| mass_deletion |" in md and "![Precision-recall curve" in md


@pytest.mark.parametrize("ext", [".jsonl", ".parquet"])
def test_cli_accepts_jsonl_and_parquet(world, tmp_path: Path, ext: str) -> None:
    scores, labels = world
    d = write_world(tmp_path, scores, labels)
    path = tmp_path / f"scores{ext}"
    if ext == ".jsonl":
        scores.to_json(path, orient="records", lines=True)
    else:
        scores.to_parquet(path)
    res = CliRunner().invoke(main, ["evaluate", str(path), "--labels", str(d)])
    assert res.exit_code == 0, res.output
    assert "PR-AUC" in res.output


def test_cli_errors(world, tmp_path: Path) -> None:
    scores, labels = world
    d = write_world(tmp_path, scores, labels)
    good = tmp_path / "scores.csv"
    scores.to_csv(good, index=False)
    run = CliRunner().invoke

    res = run(main, ["evaluate", str(good), "--labels", str(tmp_path / "nope")])
    assert res.exit_code == 1
    assert res.output == f"Error: labels directory not found: {tmp_path / 'nope'}\n"

    empty = tmp_path / "empty"
    empty.mkdir()
    res = run(main, ["evaluate", str(good), "--labels", str(empty)])
    assert res.output == (
        f"Error: labels file not found: {empty / 'labels.csv'} "
        "(expected the --out directory of 'anomaly generate')\n"
    )

    bad = tmp_path / "bad.csv"
    scores.drop(columns=["window_end", "score"]).to_csv(bad, index=False)
    res = run(main, ["evaluate", str(bad), "--labels", str(d)])
    assert res.exit_code == 1
    assert res.output == (
        f"Error: {bad}: scores is missing required column(s): window_end, score\n"
    )

    other = tmp_path / "other.csv"
    scores.assign(actor_id=scores["actor_id"].str.replace("u_", "x_")).to_csv(other, index=False)
    res = run(main, ["evaluate", str(other), "--labels", str(d)])
    assert res.exit_code == 1
    assert res.output == (
        f"Error: {other} and the labels in {d}: the scores and the labels share no actor: 10 "
        "actors scored on UTC days 2024-03-01 to 2024-03-10, 5 actors named by the labels; "
        "evaluate the scores of the world these labels belong to (its test records scored by a "
        "model trained on its training records)\n"
    )
    pd.DataFrame({"actor_id": [f"u_{a:02d}" for a in range(12)]}).to_csv(
        d / "actors.csv", index=False
    )
    (d / "manifest.json").write_text(
        '{"train_period": {"start": "2025-01-01"}, "test_period": {"end": "2025-01-31"}}'
    )
    res = run(main, ["evaluate", str(good), "--labels", str(d)])
    assert res.exit_code == 1
    assert res.output.startswith(
        f"Error: {good} and the labels in {d}: the scores and the labels share no day: 10 "
        "actors scored on UTC days 2024-03-01 to 2024-03-10, 12 actors in the labels' world on "
        "UTC days 2025-01-01 to 2025-01-31; evaluate the scores of the world"
    )
    (d / "manifest.json").write_text('{"seed": 0}')

    txt = tmp_path / "scores.txt"
    txt.write_text("x")
    res = run(main, ["evaluate", str(txt), "--labels", str(d)])
    assert res.output == (
        f"Error: {txt}: unsupported scores format '.txt' (use .csv, .jsonl, .parquet)\n"
    )

    (d / "labels.csv").write_text("record_id,actor_id,created_at\n")
    res = run(main, ["evaluate", str(good), "--labels", str(d)])
    assert res.output == (
        f"Error: {d}: labels.csv is missing required column(s): scenario, incident_id\n"
    )


def test_cli_evaluate_help() -> None:
    for flag in ("-h", "--help"):
        res = CliRunner().invoke(main, ["evaluate", flag])
        assert res.exit_code == 0
        for option in ("--labels", "--report", "--budget"):
            assert option in res.output


def test_plots_are_byte_identical_across_processes(world, tmp_path) -> None:
    """Two processes draw the same PNG bytes (no time, random or process state leaks in)."""
    import pickle
    import subprocess
    import sys

    scores, labels = world
    (tmp_path / "result.pkl").write_bytes(pickle.dumps(evaluate(scores, labels)))
    code = (
        "import hashlib, pickle, sys; from pipes_anomaly.report import evaluation_plots; "
        "r = pickle.load(open(sys.argv[1], 'rb')); "
        "print(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in evaluation_plots(r).items()))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "result.pkl")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and "pr_curve.png" in runs[0]
