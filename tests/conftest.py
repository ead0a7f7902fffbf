import os

import pytest


def _seeds() -> list[int]:
    """Seeds for seeded tests: fixed by default, ``PIPES_ANOMALY_SEEDS=1,2,3`` sweeps."""
    raw = os.environ.get("PIPES_ANOMALY_SEEDS", "0")
    return [int(s) for s in raw.split(",") if s.strip()]


@pytest.fixture(params=_seeds())
def seed(request: pytest.FixtureRequest) -> int:
    return request.param
