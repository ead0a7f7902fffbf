import os

import pytest


def _seeds() -> list[int]:
    """Seeds for seeded tests: fixed by default, ``PIPES_ANOMALY_SEEDS=1,2,3`` sweeps."""
    raw = os.environ.get("PIPES_ANOMALY_SEEDS", "0")
    return [int(s) for s in raw.split(",") if s.strip()]


@pytest.fixture(params=_seeds())
def seed(request: pytest.FixtureRequest) -> int:
    return request.param


# --- a small labelled world shared by every stage's tests ------------------------------


#: Parameters of the shared small world: 21 days (train 14), 30 actors, every
#: scenario and look-alike (the start date puts a month end in the test period).
SMALL_WORLD = dict(seed=0, days=21, actors=30, train_days=14, start="2026-01-12")


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory):
    """Directory with a small seeded world written by ``anomaly generate`` (JSONL).

    Holds train.jsonl, test.jsonl, labels.csv, window_labels.csv, lookalikes.csv,
    actors.csv and manifest.json (see docs/design.md section 6).
    """
    import datetime as dt

    from pipes_anomaly.generate import GenerateConfig, simulate
    from pipes_anomaly.io import write_world

    params = dict(SMALL_WORLD)
    params["start"] = dt.date.fromisoformat(params["start"])
    out = tmp_path_factory.mktemp("small_world")
    write_world(simulate(GenerateConfig(**params)), out, fmt="jsonl")
    return out


@pytest.fixture(scope="module")
def events(small_world):
    """The small world's events frames: ``(train, test)``, read once per test module."""
    from pipes_anomaly import io as pio

    return (
        pio.read_events(small_world / "train.jsonl").events,
        pio.read_events(small_world / "test.jsonl").events,
    )


@pytest.fixture(scope="session")
def small_scored(small_world):
    """The small world's test period scored with details, by a model of its training period.

    A namespace: ``model``, ``read`` (the test period's ``ReadResult``), ``scored`` (the
    ``ScoredWindows`` of ``score_windows(..., details=True, evidence_top=5)`` at
    ``threshold``, that of a 3% alert budget, without the budget's cap, so that the small
    world has several alerts), ``world``.
    """
    from types import SimpleNamespace

    from pipes_anomaly import io as pio
    from pipes_anomaly.pipeline import score_windows, train_model

    model = train_model(pio.read_events([small_world / "train.jsonl"]).events)
    read = pio.read_events([small_world / "test.jsonl"])
    cut = model.threshold_for(alert_rate=0.03)
    scored = score_windows(read.events, model, threshold=cut, details=True, evidence_top=5)
    return SimpleNamespace(model=model, read=read, scored=scored, world=small_world, threshold=cut)
