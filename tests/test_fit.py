"""Honest about fit: the model records what it was trained on, and ``score`` says when the
records are not that (another organisation, other actors, unknown action types, another
period, far too many alerts), and what to do; a model scoring its own organisation's later
days says nothing of the kind."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import io as pio
from pipes_anomaly.fit import (
    HISTORY_MIN_DAYS,
    TrainingSummary,
    check_fit,
    fit_advice,
    history_note,
)
from pipes_anomaly.pipeline import score_events, train_model


@pytest.fixture(scope="module")
def model(events):
    return train_model(events[0], n_estimators=50)


#: Action types of Turbot's generator that are not among Pipes' 51.
_TURBOT_ACTIONS = ("user.login", "settings.update", "login.failed", "settings.delete")


def _foreign_log(path, *, start="2026-09-06", days=4) -> None:
    """An audit log shaped like Turbot's generator: its org, users and action types."""
    rng = np.random.default_rng(0)
    users = {"vhadianto": "o_cgsfhcah6homf3cnq5pg", "jsmith": "o_cgsfhcah6homf3cnq5p1",
             "awhite": "o_cgsfhcah6homf3cnq5p5", "dzhou": "o_cgsfhcah6homf3cnq5p7"}  # fmt: skip
    actions = ("workspace.create", "workspace.delete", *_TURBOT_ACTIONS)
    lines = []
    for d in range(days):
        day = pd.Timestamp(start) + pd.Timedelta(days=d)
        for u, (handle, org) in enumerate(users.items()):
            for k in range(40):
                t = day + pd.Timedelta(minutes=int(rng.integers(0, 1440)))
                rec = {
                    "id": f"a_{d}_{u}_{k}", "action_type": actions[int(rng.integers(0, 6))],
                    "actor_id": f"u_{handle}", "actor_handle": handle,
                    "actor_ip": f"159.196.{rng.integers(0, 255)}.{rng.integers(1, 255)}",
                    "identity_id": org, "identity_handle": "acme-tank",
                    "target_id": f"w_{k}", "created_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }  # fmt: skip
                lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")


def test_the_model_records_what_it_was_trained_on(events, model, tmp_path):
    train = events[0]
    s = model.training
    assert s.n_records == len(train) and s.window == "1d"
    assert s.first_ns == train["created_at"].min().value
    assert s.last_ns == train["created_at"].max().value
    assert set(s.actors["actor_id"]) == set(train["actor_id"])
    assert set(s.organisations["identity_id"]) == set(train["identity_id"])
    counts = train["action_type"].value_counts()
    assert dict(zip(s.action_types["action_type"], s.action_types["records"], strict=True)) == (
        counts.to_dict()
    )
    assert s.alert_share == pytest.approx(0.01, abs=0.01)
    pio.save_model(tmp_path / "m", model)
    digest = json.loads((tmp_path / "m" / "manifest.json").read_text())["training"]
    assert digest["first_record"] == train["created_at"].min().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert digest["records"] == len(train) and digest["actors"] == len(s.actors)
    assert digest["organisations"] == 1
    top = counts.index[0]
    assert digest["action_types"][top] == pytest.approx(counts.iloc[0] / len(train), abs=1e-6)
    assert digest["alert_rate"] == pytest.approx(s.alert_share, abs=1e-6)
    back = pio.load_model(tmp_path / "m")
    assert isinstance(back.training, TrainingSummary)
    assert back.training.actors.equals(s.actors)
    assert back.training.action_types.equals(s.action_types)


@pytest.fixture(scope="module")
def quiet_world(tmp_path_factory):
    """A small world without attacks: its test period is its organisation's ordinary days."""
    import datetime as dt

    from pipes_anomaly.generate import GenerateConfig, simulate

    d = tmp_path_factory.mktemp("quiet_world")
    config = GenerateConfig(seed=3, days=40, actors=60, train_days=28, attack_rate=0.0,
                            lookalikes=False, start=dt.date(2026, 3, 2))  # fmt: skip
    pio.write_world(simulate(config), d, fmt="jsonl")
    return d


def test_the_organisations_later_days_raise_no_warning(quiet_world):
    train = pio.read_events(quiet_world / "train.jsonl").events
    test = pio.read_events(quiet_world / "test.jsonl").events
    model = train_model(train, n_estimators=50)
    scores = score_events(test, model)
    assert (
        check_fit(model.training, test, scores["score"], threshold=model.threshold, alert_rate=0.01)
        == []
    )


def test_a_foreign_log_gets_every_warning_and_the_fix(model, tmp_path):
    _foreign_log(tmp_path / "turbot.jsonl")
    foreign = pio.read_events(tmp_path / "turbot.jsonl").events
    scores = score_events(foreign, model)
    warnings = check_fit(
        model.training, foreign, scores["score"], threshold=model.threshold, alert_rate=0.01
    )
    by_kind = {w.kind: w.text for w in warnings}
    assert list(by_kind) == ["organisations", "actors", "action_types", "after", "alerts"]
    assert by_kind["organisations"].startswith("none of the 4 organisations in these records")
    assert "acme-tank (o_cgsfhcah6homf3cnq5pg)" in by_kind["organisations"]
    assert "4 of the 4 actors" in by_kind["actors"]
    assert "of 4 action types the model never saw in training" in by_kind["action_types"]
    assert "user.login" in by_kind["action_types"]
    assert "days after the training period ended" in by_kind["after"]
    advice = fit_advice(warnings, model_dir="models", summary=model.training)
    assert "Train a model on this organisation's own audit log" in advice


def test_overlap_and_alert_excess_are_told_apart(events, model):
    train = events[0]
    scores = score_events(train.tail(2000), model)
    warnings = check_fit(
        model.training, train.tail(2000), scores["score"], threshold=model.threshold,
        alert_rate=0.01,
    )  # fmt: skip
    assert [w.kind for w in warnings] == ["overlap"]
    assert "fall in the training period" in warnings[0].text
    advice = fit_advice(warnings, model_dir="m", summary=model.training)
    assert advice.startswith("score only records after the training period")
    test = events[1]
    scores = np.r_[np.full(21, 0.999), np.zeros(179)]  # 10.5% above, ten times is 10%
    warnings = check_fit(model.training, test, scores, threshold=0.99, alert_rate=0.01)
    assert [w.kind for w in warnings] == ["alerts"]
    assert "21 of the 200 actor-windows (10%) scored above" in warnings[0].text
    assert check_fit(model.training, test, scores[2:], threshold=0.99, alert_rate=0.01) == []
    # a few windows over a small batch are not a pattern
    assert check_fit(model.training, test, scores[:4], threshold=0.99, alert_rate=0.01) == []
    # the advice: a model of few windows is the thing to fix; else, read the reasons
    assert model.training.n_windows < 1000
    advice = fit_advice(warnings, model_dir="m", summary=model.training)
    assert advice.startswith(f"the model learned from only {model.training.n_windows:,} actor")
    bigger = dataclasses.replace(model.training, n_windows=5000)
    advice = fit_advice(warnings, model_dir="m", summary=bigger)
    assert advice.startswith("read the top alerts' reasons")


def test_history_note_says_short_or_steady():
    assert history_note(["log_events"], 3) is None  # not a history feature
    short = history_note(["trail_events_vs_self"], HISTORY_MIN_DAYS - 1)
    assert short is not None and short[0] and "train on 14 days or more" in short[1]
    steady = history_note(["trail_events_vs_self"], HISTORY_MIN_DAYS)
    assert steady is not None and not steady[0]
    assert "The period is long enough; the data is steady." in steady[1]


def test_history_min_days_is_what_the_features_need():
    from pipes_anomaly.features import records, windows

    assert HISTORY_MIN_DAYS == records._MATURE_DAYS + windows._TRAIL_DAYS


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def model_dir(small_world, tmp_path_factory):
    d = tmp_path_factory.mktemp("model") / "m"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(d), "-q")
    assert res.exit_code == 0, res.stderr
    return d


def test_score_warns_and_explains_on_a_foreign_log(model_dir, tmp_path):
    _foreign_log(tmp_path / "turbot.jsonl")
    res = _run("score", str(tmp_path / "turbot.jsonl"), "--model-dir", str(model_dir))
    assert res.exit_code == 0
    err = res.stderr
    assert f"Warning: these records are not what the model in {model_dir} knows:" in err
    for item in ("  - none of the 4 organisations", "  - 4 of the 4 actors",
                 "action types the model never saw", "days after the training period ended",
                 "scored above the alert threshold"):  # fmt: skip
        assert item in err, item
    assert "  What to do: the model in" in err and "own audit log" in err
    assert err.rstrip().endswith(
        f"Warning: the model in {model_dir} does not know these records (see above): the "
        "alerts rank how unlike its training data they are."
    )
    assert "Top " in res.stdout  # the alerts are still shown


def test_score_of_the_organisations_own_next_days_gives_no_advice(quiet_world, tmp_path):
    res = _run("train", str(quiet_world / "train.jsonl"), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 0 and "Warning" not in res.stderr
    res = _run("score", str(quiet_world / "test.jsonl"), "--model-dir", str(tmp_path / "m"), "-v")
    assert res.exit_code == 0
    assert "Warning" not in res.stderr and "What to do" not in res.stderr
    assert "The records look like the model's training data." in res.stderr


def test_many_alerts_on_the_organisations_own_days_are_not_called_foreign(tmp_path):
    """A test week dense with attacks: many alerts, but a known organisation."""
    import datetime as dt

    from pipes_anomaly.generate import GenerateConfig, simulate
    from pipes_anomaly.io import write_world

    config = GenerateConfig(seed=0, days=21, actors=30, train_days=14,
                            start=dt.date(2026, 1, 12), attack_rate=5.0)  # fmt: skip
    write_world(simulate(config), tmp_path, fmt="jsonl")
    model_dir = tmp_path / "m"
    res = _run("train", str(tmp_path / "train.jsonl"), "--model-dir", str(model_dir), "-q")
    assert res.exit_code == 0, res.stderr
    res = _run("score", str(tmp_path / "test.jsonl"), "--model-dir", str(model_dir))
    assert res.exit_code == 0
    assert "scored above the alert threshold, against" in res.stderr
    # ... by a model that learned from few windows, which is what to fix
    assert "What to do: the model learned from only " in res.stderr
    assert "train on more weeks" in res.stderr
    assert "not what the model" not in res.stderr and "does not know" not in res.stderr


def test_a_model_of_steady_data_scores_its_next_days_without_advice(tmp_path):
    from tests.test_cli_train_score import _steady_log

    _steady_log(tmp_path / "all.jsonl", 40)
    lines = (tmp_path / "all.jsonl").read_text().splitlines()
    cut = next(i for i, ln in enumerate(lines) if '"2026-04-01T' in ln)  # 30 days of training
    (tmp_path / "train.jsonl").write_text("\n".join(lines[:cut]) + "\n")
    (tmp_path / "test.jsonl").write_text("\n".join(lines[cut:]) + "\n")
    res = _run("train", str(tmp_path / "train.jsonl"), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 0 and "Warning" not in res.stderr and "too short" not in res.stderr
    res = _run("score", str(tmp_path / "test.jsonl"), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 0
    assert "Warning" not in res.stderr and "What to do" not in res.stderr


def test_scoring_the_training_period_is_said_to_overlap_not_to_be_foreign(small_world, model_dir):
    res = _run("score", str(small_world / "train.jsonl"), "--model-dir", str(model_dir))
    assert res.exit_code == 0
    assert f"Warning: the model in {model_dir} does not fit these records:" in res.stderr
    assert "fall in the training period" in res.stderr
    assert "What to do: score only records after the training period" in res.stderr
    assert "not what the model" not in res.stderr and "does not know" not in res.stderr


def _one_day(day: str) -> pd.DataFrame:
    """One record at noon UTC of ``day``, with the columns the fit checks read."""
    return pd.DataFrame(
        {
            "created_at": [pd.Timestamp(f"{day}T12:00:00Z")],
            "identity_id": ["o_acme"],
            "identity_handle": ["acme"],
            "actor_id": ["u_alice"],
            "actor_handle": ["alice"],
            "action_type": ["workspace.update"],
        }
    )


def test_missing_working_days_before_the_records_are_told_with_the_fix(events, model):
    train, test = events
    end = pd.Timestamp(model.training.last_ns, unit="ns", tz="UTC")
    next_days = test[test["created_at"] >= end.floor("D") + pd.Timedelta(days=1)]
    days = next_days["created_at"].dt.floor("D")
    later = next_days[days >= days.min() + pd.Timedelta(days=3)]
    warnings = model.fit_warnings(later, score_events(later, model))
    gap = [w for w in warnings if w.kind == "gap"]
    assert len(gap) == 1 and "after the model's history of its actors ends" in gap[0].text
    advice = fit_advice(warnings, model_dir="m", summary=model.training)
    assert not any(w.foreign for w in warnings) and "--state DIR" in advice
    # the next day's records leave no day out
    assert "gap" not in [
        w.kind for w in model.fit_warnings(next_days, score_events(next_days, model))
    ]


def test_a_weekend_between_history_and_records_is_not_a_gap():
    summary = TrainingSummary.of(
        _one_day("2026-09-04"), window="1d", n_windows=100, alert_share=0.01
    )
    monday = _one_day("2026-09-07")  # after Saturday and Sunday
    kinds = [w.kind for w in check_fit(summary, monday, np.zeros(1), threshold=1, alert_rate=0)]
    assert "gap" not in kinds
    tuesday = _one_day("2026-09-08")  # Monday is missing too
    kinds = [w.kind for w in check_fit(summary, tuesday, np.zeros(1), threshold=1, alert_rate=0)]
    assert "gap" in kinds


def test_names_from_data_add_no_line_to_a_warning(model):
    rec = _one_day("2026-09-06")
    rec["identity_id"] = "o_x\nError: injected"
    rec["identity_handle"] = "org\n\tWarning: injected"
    rec["actor_id"] = "u_x\r\nError: forged"
    rec["action_type"] = "x.delete\nError: injected"
    warnings = check_fit(model.training, rec, np.zeros(1), threshold=1.0, alert_rate=0.01)
    assert {"organisations", "actors", "action_types"} <= {w.kind for w in warnings}
    for w in warnings:
        assert "\n" not in w.text and "\t" not in w.text and "\r" not in w.text, w.text
    assert any("\\x0aError: injected" in w.text for w in warnings)


def test_a_last_day_cut_short_is_told_and_whole_days_are_not(events, model):
    _, test = events
    day = test["created_at"].dt.floor("D")
    last = day.max()
    whole = test[day < last]  # whole days only
    kinds = [w.kind for w in model.fit_warnings(whole, score_events(whole, model))]
    assert "cut_short" not in kinds
    cut = test[(day < last) | (test["created_at"] < last + pd.Timedelta(hours=6))]
    warnings = model.fit_warnings(cut, score_events(cut, model))
    short = [w.text for w in warnings if w.kind == "cut_short"]
    assert len(short) == 1 and f"the records of the last day ({last:%Y-%m-%d}) end at" in short[0]
    alone = [w for w in warnings if w.kind == "cut_short"]
    assert "once its records are complete" in fit_advice(
        alone, model_dir="m", summary=model.training
    )


def test_missing_days_of_a_carried_history_are_told_long_after_training():
    summary = TrainingSummary.of(
        _one_day("2026-09-04"), window="1d", n_windows=100, alert_share=0.01
    )
    later = _one_day("2026-11-12")  # a Thursday, 69 days after training
    history_end = int(pd.Timestamp("2026-11-09T12:00:00Z").value)  # Tuesday and Wednesday missing
    kinds = [
        w.kind
        for w in check_fit(
            summary, later, np.zeros(1), threshold=1, alert_rate=0, history_end_ns=history_end
        )
    ]
    assert "after" in kinds and "gap" in kinds
    # without a history beyond training, the long wait is the one warning
    kinds = [w.kind for w in check_fit(summary, later, np.zeros(1), threshold=1, alert_rate=0)]
    assert "after" in kinds and "gap" not in kinds
