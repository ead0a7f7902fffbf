"""Daily runs: scoring day by day with the history carried forward equals scoring the whole
period at once, through the library and through ``anomaly score --state``."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import io as pio
from pipes_anomaly.io.model_dir import load_model
from pipes_anomaly.pipeline import (
    ModelError,
    continue_history,
    score_events,
    train_model,
)


def _days(events: pd.DataFrame) -> list[pd.DataFrame]:
    day = events["created_at"].dt.floor("1D")
    return [events[day == d].reset_index(drop=True) for d in sorted(day.unique())]


@pytest.mark.parametrize("window", ["1d", "1h"])
def test_day_by_day_equals_the_whole_period(events, window):
    train, test = events
    model = train_model(train, window=window, n_estimators=50)
    # the model's threshold as such: a budget's cap on the share of windows that alert is
    # applied per run, so only the flag would differ between runs of different sizes
    cut = model.threshold
    whole = score_events(test, model, threshold=cut, evidence_top=10)
    parts, carried = [], model
    for day in _days(test):
        parts.append(score_events(day, carried, threshold=cut, evidence_top=10))
        carried = continue_history(carried, day)
    daily = pd.concat(parts, ignore_index=True)
    assert len(parts) == 7 and len(daily) == len(whole) > 0
    # evidence of the top 10 is per batch; every other column is identical
    cols = [c for c in whole.columns if c != "evidence"]
    pd.testing.assert_frame_equal(daily[cols], whole[cols], check_exact=True)
    alerts = whole["alert"].to_numpy()
    assert (daily["evidence"][alerts] == whole["evidence"][alerts]).all()
    # the history reaches the last scored record, and the model is otherwise the same one
    assert carried.profile.end == test["created_at"].max()
    assert carried.detector is model.detector and carried.threshold == model.threshold


def test_without_the_history_later_days_score_differently(events):
    """The equality above is the history's doing: each day alone on the training profile
    misses the days before it."""
    train, test = events
    model = train_model(train, n_estimators=50)
    whole = score_events(test, model)
    alone = pd.concat([score_events(d, model) for d in _days(test)], ignore_index=True)
    assert not np.array_equal(alone["score"].to_numpy(), whole["score"].to_numpy())


def test_history_is_carried_only_forward(events):
    train, test = events
    model = train_model(train, n_estimators=30)
    first, second = _days(test)[:2]
    carried = continue_history(model, first)
    for again in (first, train.tail(5), pd.concat([first.tail(1), second])):
        with pytest.raises(ModelError, match="carry history forward only with records from"):
            continue_history(carried, again)
    continue_history(carried, second)  # the next day is fine


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def days_dir(small_world, tmp_path_factory):
    """The small world's test period split into one JSON-lines file per UTC day."""
    d = tmp_path_factory.mktemp("days")
    by_day: dict[str, list[str]] = {}
    for line in (small_world / "test.jsonl").read_text().splitlines():
        by_day.setdefault(json.loads(line)["created_at"][:10], []).append(line)
    for day, lines in by_day.items():
        (d / f"{day}.jsonl").write_text("\n".join(lines) + "\n")
    return d


@pytest.fixture(scope="module")
def model_dir(small_world, tmp_path_factory):
    d = tmp_path_factory.mktemp("model") / "m"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(d), "-q")
    assert res.exit_code == 0, res.stderr
    return d


def test_cli_daily_runs_with_state_equal_one_run(small_world, days_dir, model_dir, tmp_path):
    whole_csv = tmp_path / "whole.csv"
    cut = str(load_model(model_dir).threshold)  # no budget cap: it applies per run
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model_dir),
               "-o", str(whole_csv), "--top", "0", "--threshold", cut)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    state = tmp_path / "state"
    parts = []
    for i, day in enumerate(sorted(days_dir.iterdir())):
        out = tmp_path / f"{day.stem}.csv"
        res = _run("score", str(day), "--model-dir", str(model_dir), "--state", str(state),
                   "-o", str(out), "--top", "0", "--threshold", cut)  # fmt: skip
        assert res.exit_code == 0, res.stderr
        if i == 0:
            assert f"Starting a history in {state} from the model's training period." in (
                res.stderr
            )
        else:
            assert f"Carrying on the history in {state} (records to " in res.stderr
            assert f"{i} run" in res.stderr
        assert f"History carried forward in {state}." in res.stderr
        parts.append(pio.read_scores(out))
    whole = pio.read_scores(whole_csv)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole, check_exact=True)
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["runs"] == 7 and manifest["kind"] == "history"
    test = pio.read_events(small_world / "test.jsonl").events
    assert manifest["records"] == len(test)
    assert manifest["first_record"] == test["created_at"].min().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert manifest["last_record"] == test["created_at"].max().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sorted(p.name for p in state.iterdir()) == [".lock", "history.npz", "manifest.json"]
    # the same day again is refused, naming the history and what to do
    last = sorted(days_dir.iterdir())[-1]
    res = _run("score", str(last), "--model-dir", str(model_dir), "--state", str(state))
    assert res.exit_code == 1
    assert f"but the history carried in {state} ends at" in res.stderr
    assert "score each window once, after it has ended" in res.stderr
    assert json.loads((state / "manifest.json").read_text()) == manifest  # not advanced


def test_cli_daily_runs_share_the_budget_cap_of_the_whole_period(
    small_world, days_dir, model_dir, tmp_path
):
    whole = tmp_path / "whole.csv"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model_dir),
               "-o", str(whole), "--top", "0")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    whole_alerts = int(pio.read_scores(whole)["alert"].sum())
    state, alerts, told = tmp_path / "state", 0, 0
    for day in sorted(days_dir.iterdir()):
        out = tmp_path / f"{day.stem}.csv"
        res = _run("score", str(day), "--model-dir", str(model_dir), "--state", str(state),
                   "-o", str(out), "--top", "0")  # fmt: skip
        assert res.exit_code == 0, res.stderr
        scores = pio.read_scores(out)
        alerts += int(scores["alert"].sum())
        above = int((scores["score"] > load_model(model_dir).threshold).sum())
        if above > scores["alert"].sum():  # the terminal says what the cap held back
            held = above - int(scores["alert"].sum())
            assert f"{held:,} more window" in res.stderr
            assert "cap on the history's windows" in res.stderr
            told += 1
    assert told  # the seeded world has days whose windows above the threshold were held back
    # the days spend the cap of the whole period, not each its own sliver of it
    assert alerts == whole_alerts
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["alerts"] == alerts
    assert manifest["windows"] == len(pio.read_scores(whole))


def test_cli_a_threshold_run_does_not_spend_the_budget_of_later_runs(days_dir, model_dir, tmp_path):
    state = tmp_path / "state"
    first, *rest = sorted(days_dir.iterdir())
    res = _run("score", str(first), "--model-dir", str(model_dir), "--state", str(state),
               "--threshold", "0", "--top", "0")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["alerts"] == 0 and manifest["windows"] == 0
    res = _run("score", str(rest[0]), "--model-dir", str(model_dir), "--state", str(state),
               "--top", "0", "-o", str(tmp_path / "d2.csv"))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert json.loads((state / "manifest.json").read_text())["windows"] == len(
        pio.read_scores(tmp_path / "d2.csv")
    )


def test_cli_runs_of_a_model_with_a_fixed_threshold_spend_no_budget(
    days_dir, small_world, tmp_path
):
    model = tmp_path / "m"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(model), "-q",
               "--threshold", "0.5")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    state = tmp_path / "state"
    first = sorted(days_dir.iterdir())[0]
    res = _run("score", str(first), "--model-dir", str(model), "--state", str(state), "-q")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["alerts"] == 0 and manifest["windows"] == 0


def test_cli_a_history_of_the_former_format_is_refused_with_the_fix(days_dir, model_dir, tmp_path):
    state = tmp_path / "state"
    first, second, *_ = sorted(days_dir.iterdir())
    res = _run("score", str(first), "--model-dir", str(model_dir), "--state", str(state), "-q")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((state / "manifest.json").read_text())
    del manifest["windows"], manifest["alerts"]
    manifest["format"] = 1
    (state / "manifest.json").write_text(json.dumps(manifest))
    res = _run("score", str(second), "--model-dir", str(model_dir), "--state", str(state))
    assert res.exit_code == 1
    assert "field 'format' must be 2, got 1" in res.stderr and "move" in res.stderr


def test_cli_state_of_another_model_or_altered_is_refused(
    small_world, days_dir, model_dir, tmp_path
):
    state = tmp_path / "state"
    first, second = sorted(days_dir.iterdir())[:2]
    assert _run("score", str(first), "--model-dir", str(model_dir), "--state", str(state),
                "-q").exit_code == 0  # fmt: skip
    other = tmp_path / "other"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(other),
               "--seed", "7", "-q")  # fmt: skip
    assert res.exit_code == 0
    res = _run("score", str(second), "--model-dir", str(other), "--state", str(state))
    assert res.exit_code == 1
    assert f"Error: the history in {state} was carried forward with another model" in (res.stderr)
    assert "give --state a new directory" in res.stderr
    altered = tmp_path / "altered"
    shutil.copytree(state, altered)
    with open(altered / "history.npz", "ab") as fh:
        fh.write(b"x")
    res = _run("score", str(second), "--model-dir", str(model_dir), "--state", str(altered))
    assert res.exit_code == 1
    assert "history.npz was altered (its sha256 does not match manifest.json)" in res.stderr


def test_cli_state_must_be_apart_from_model_and_inputs(days_dir, model_dir, tmp_path):
    day = sorted(days_dir.iterdir())[0]
    res = _run("score", str(day), "--model-dir", str(model_dir), "--state",
               str(model_dir / "history"))  # fmt: skip
    assert res.exit_code == 2 and "the history is written beside the model" in res.stderr
    res = _run("score", str(day), "--model-dir", str(model_dir), "--state", str(days_dir))
    assert res.exit_code == 2
    assert f"{days_dir} holds the input {day}, and a history directory is replaced" in (res.stderr)
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("keep")
    res = _run("score", str(day), "--model-dir", str(model_dir), "--state", str(home))
    assert res.exit_code == 1 and "not part of a history (notes.txt)" in res.stderr


def test_cli_a_new_history_starts_after_the_training_period(small_world, model_dir, tmp_path):
    res = _run("score", str(small_world / "train.jsonl"), "--model-dir", str(model_dir),
               "--state", str(tmp_path / "state"))  # fmt: skip
    assert res.exit_code == 1
    assert "but the model's training period (where a new history starts) ends at" in res.stderr
    assert not (tmp_path / "state").exists()


def test_a_window_that_has_not_ended_is_not_carried_forward(events):
    from pipes_anomaly.pipeline import check_windows_ended

    train, test = events
    model = train_model(train, n_estimators=50)
    last = test["created_at"].max()
    check_windows_ended(model, test, last.floor("D") + pd.Timedelta(days=1))  # ended: fine
    with pytest.raises(ModelError, match="after now .* leave its records out of the run"):
        check_windows_ended(model, test, last + pd.Timedelta(minutes=1))


def test_a_day_cut_short_is_told_in_a_daily_run(events):
    train, test = events
    model = train_model(train, n_estimators=50)
    days = _days(test)
    carried = continue_history(model, pd.concat(days[:-1], ignore_index=True))
    last = days[-1]
    cut = last[last["created_at"] < last["created_at"].min().floor("D") + pd.Timedelta(hours=6)]
    kinds = [w.kind for w in carried.fit_warnings(cut, score_events(cut, carried))]
    assert "cut_short" in kinds  # the history's days end later than this one
    whole = [w.kind for w in carried.fit_warnings(last, score_events(last, carried))]
    assert "cut_short" not in whole
