"""Random world variants: every knob drawn from a family's documented distribution.

Two families draw from different distributions (other ranges and centres), so
that detection choices made on ``dev`` variants can be reported on ``holdout``
variants "generated with other settings".  A family maps each knob to a
distribution:

- ``("uniform", lo, hi)`` and ``("log", lo, hi)``: a float, uniform or log-uniform;
- ``("int", lo, hi)`` and ``("logint", lo, hi)``: a whole number, ``hi`` included;
- ``("zones", k_lo, k_hi, offsets)``: ``k`` time zones of ``offsets``, most people in
  the first drawn (weights ``1, 1/2, 1/3, ...``).

Timeline parameters are drawn too: ``days``, ``train_share`` (turned into
``train_days``) and ``start_year`` (a start date on a Monday of that year).
A variant whose expected size exceeds :data:`MAX_RECORDS` gets fewer actors per
organisation.  ``docs/worlds.md`` tabulates both families.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from pipes_anomaly.generate.config import GenerateConfig, default_train_days

#: entropy tag that keeps variant draws apart from the world's own streams
_VARIANT_TAG = 0x5EED_0F_1A
#: time zones (UTC offsets, minutes) each family's organisations live in
_DEV_ZONES = (-480, -300, 0, 60, 330, 600)
_HOLDOUT_ZONES = (-420, -360, -180, 120, 180, 480, 540, 660)

#: a variant holds about this many records at most (its actors shrink to fit)
MAX_RECORDS = 1_000_000
#: records a person makes per day at ``activity_scale`` 1, and a bot (the default world's)
_PERSON_RECORDS_PER_DAY, _BOT_RECORDS_PER_DAY = 4.6, 26.4

FAMILIES: dict[str, dict[str, tuple]] = {
    "dev": {
        "days": ("int", 28, 56),
        "train_share": ("uniform", 0.6, 0.75),
        "start_year": ("int", 2025, 2025),
        "actors": ("logint", 5, 400),
        "orgs": ("int", 1, 2),
        "time_zones": ("zones", 1, 4, _DEV_ZONES),
        "bot_share": ("uniform", 0.01, 0.12),
        "token_bot_share": ("uniform", 0.0, 0.5),
        "admin_share": ("uniform", 0.03, 0.10),
        "power_share": ("uniform", 0.10, 0.35),
        "team_size": ("int", 4, 12),
        "activity_scale": ("log", 0.5, 2.0),
        "rate_spread": ("uniform", 0.2, 0.7),
        "team_sharing": ("uniform", 0.3, 1.0),
        "cross_team_share": ("uniform", 0.02, 0.15),
        "offices": ("int", 1, 3),
        "office_nat_ips": ("int", 1, 2),
        "office_share": ("uniform", 0.2, 0.8),
        "home_change_share": ("uniform", 0.05, 0.3),
        "v6_share": ("uniform", 0.1, 0.5),
        "v6_privacy": ("uniform", 0.0, 0.6),
        "vpn_share": ("uniform", 0.05, 0.4),
        "personal_vpn_share": ("uniform", 0.02, 0.1),
        "cloud_desk_share": ("uniform", 0.01, 0.08),
        "shared_egress": ("uniform", 0.0, 0.5),
        "mobile_share": ("uniform", 0.03, 0.15),
        "mobile_same_range": ("uniform", 0.0, 0.6),
        "bot_elastic": ("uniform", 0.0, 0.5),
        "weekend_rate": ("uniform", 0.02, 0.15),
        "weekend_worker_share": ("uniform", 0.05, 0.25),
        "holiday_share": ("uniform", 0.2, 0.6),
        "evening_share": ("uniform", 0.03, 0.12),
        "burstiness": ("log", 0.1, 0.8),
        "session_spread_min": ("uniform", 15.0, 40.0),
        "joiner_share": ("uniform", 0.0, 0.05),
        "leaver_share": ("uniform", 0.0, 0.05),
        "new_action_share": ("uniform", 0.02, 0.15),
        "updated_by_share": ("uniform", 0.5, 1.0),
        "attack_rate": ("uniform", 0.5, 1.5),
        "subtle_share": ("uniform", 0.2, 0.6),
        "persistent_attackers": ("int", 0, 2),
        "lookalike_rate": ("uniform", 0.5, 2.0),
        "mimic_rate": ("uniform", 0.5, 2.0),
        "odd_actors": ("int", 0, 2),
        "person_task_process_share": ("uniform", 0.0, 0.8),
        "sharer_share": ("uniform", 0.2, 0.6),
        "intruder_sharing": ("uniform", 0.4, 0.9),
    },
    "holdout": {
        "days": ("int", 35, 75),
        "train_share": ("uniform", 0.55, 0.7),
        "start_year": ("int", 2026, 2027),
        "actors": ("logint", 8, 2000),
        "orgs": ("int", 1, 3),
        "time_zones": ("zones", 1, 6, _HOLDOUT_ZONES),
        "bot_share": ("uniform", 0.03, 0.25),
        "token_bot_share": ("uniform", 0.2, 0.8),
        "admin_share": ("uniform", 0.02, 0.15),
        "power_share": ("uniform", 0.05, 0.45),
        "team_size": ("int", 3, 25),
        "activity_scale": ("log", 0.3, 3.0),
        "rate_spread": ("uniform", 0.3, 1.0),
        "team_sharing": ("uniform", 0.1, 0.9),
        "cross_team_share": ("uniform", 0.05, 0.3),
        "offices": ("int", 1, 5),
        "office_nat_ips": ("int", 1, 4),
        "office_share": ("uniform", 0.0, 0.9),
        "home_change_share": ("uniform", 0.1, 0.5),
        "v6_share": ("uniform", 0.2, 0.8),
        "v6_privacy": ("uniform", 0.4, 1.0),
        "vpn_share": ("uniform", 0.1, 0.7),
        "personal_vpn_share": ("uniform", 0.05, 0.2),
        "cloud_desk_share": ("uniform", 0.03, 0.15),
        "shared_egress": ("uniform", 0.3, 1.0),
        "mobile_share": ("uniform", 0.05, 0.3),
        "mobile_same_range": ("uniform", 0.3, 1.0),
        "bot_elastic": ("uniform", 0.3, 1.0),
        "weekend_rate": ("uniform", 0.0, 0.3),
        "weekend_worker_share": ("uniform", 0.1, 0.4),
        "holiday_share": ("uniform", 0.3, 0.9),
        "evening_share": ("uniform", 0.05, 0.25),
        "burstiness": ("log", 0.2, 2.0),
        "session_spread_min": ("uniform", 10.0, 90.0),
        "joiner_share": ("uniform", 0.02, 0.12),
        "leaver_share": ("uniform", 0.02, 0.12),
        "new_action_share": ("uniform", 0.05, 0.3),
        "updated_by_share": ("uniform", 0.0, 1.0),
        "attack_rate": ("uniform", 0.3, 2.0),
        "subtle_share": ("uniform", 0.3, 0.8),
        "persistent_attackers": ("int", 0, 3),
        "lookalike_rate": ("uniform", 1.0, 4.0),
        "mimic_rate": ("uniform", 1.0, 4.0),
        "odd_actors": ("int", 1, 4),
        "person_task_process_share": ("uniform", 0.5, 1.0),
        "sharer_share": ("uniform", 0.05, 0.9),
        "intruder_sharing": ("uniform", 0.1, 1.0),
    },
}
FAMILY_IDS = {name: i for i, name in enumerate(FAMILIES)}
#: knobs added after variants were first drawn: drawn after every other draw, so that each
#: variant keeps the knobs, size and start it had
_DRAWN_LATE = ("person_task_process_share", "sharer_share", "intruder_sharing")


def draw_variant(seed: int, family: str = "dev", **overrides: object) -> GenerateConfig:
    """Draw every knob of a world from ``family``'s distributions.

    Parameters
    ----------
    seed : int
        Seed of the draw (non-negative); also the world's own seed, so the same
        ``(seed, family)`` gives a byte-identical world.
    family : {"dev", "holdout"}, default "dev"
        Which family's distributions to draw from (:data:`FAMILIES`).
    **overrides
        Parameters to set instead of drawing them (e.g. ``days=21``).

    Returns
    -------
    GenerateConfig
        With ``variant`` set to ``"<family>/<seed>"``.

    Raises
    ------
    ValueError
        For an unknown family, a negative seed, or an override out of range.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    if seed < 0:
        raise ValueError(f"a variant seed must be >= 0, got {seed}")
    rng = np.random.default_rng([_VARIANT_TAG, FAMILY_IDS[family], seed])
    spec = FAMILIES[family]
    drawn = {name: _draw(spec[name], rng) for name in spec if name not in _DRAWN_LATE}
    days = int(drawn.pop("days"))
    train_days = min(max(1, round(drawn.pop("train_share") * days)), days - 1)
    start = _monday(int(drawn.pop("start_year")), rng)
    drawn |= {name: _draw(spec[name], rng) for name in _DRAWN_LATE}
    zones = drawn.pop("time_zones")
    drawn["actors"] = _fit_budget(drawn, days)
    cfg = GenerateConfig(seed=seed, days=days, train_days=train_days, start=start,
                         time_zones=zones, tz_weights=(), variant=f"{family}/{seed}",
                         **drawn)  # fmt: skip
    return replace(cfg, **overrides) if overrides else cfg


def _fit_budget(drawn: dict, days: int) -> int:
    """Return actors per organisation, fewer if the world would exceed :data:`MAX_RECORDS`."""
    per_day = (1 - drawn["bot_share"]) * _PERSON_RECORDS_PER_DAY * drawn["activity_scale"]
    per_day += drawn["bot_share"] * _BOT_RECORDS_PER_DAY
    est = drawn["actors"] * drawn["orgs"] * days * per_day
    if est <= MAX_RECORDS:
        return int(drawn["actors"])
    return max(5, int(drawn["actors"] * MAX_RECORDS / est))


def _draw(spec: tuple, rng: np.random.Generator) -> object:
    """Draw one value from a distribution of :data:`FAMILIES`."""
    kind = spec[0]
    if kind == "uniform":
        return round(float(rng.uniform(spec[1], spec[2])), 3)
    if kind == "log":
        return round(float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2])))), 3)
    if kind == "int":
        return int(rng.integers(spec[1], spec[2] + 1))
    if kind == "logint":
        return min(int(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2] + 1)))), spec[2])
    if kind == "zones":
        k = int(rng.integers(spec[1], spec[2] + 1))
        return tuple(int(z) for z in rng.choice(spec[3], size=k, replace=False))
    raise ValueError(f"unknown distribution {kind!r}")


def _monday(year: int, rng: np.random.Generator) -> dt.date:
    """Draw a Monday of ``year``."""
    first = dt.date(year, 1, 1)
    first += dt.timedelta(days=(7 - first.weekday()) % 7)
    return first + dt.timedelta(days=7 * int(rng.integers(0, 50)))


def world_config(
    *, variant: int | None = None, family: str = "dev", knobs: dict | None = None, **params: object
) -> GenerateConfig:
    """Build the config of a world: a drawn variant or the defaults, with settings over it.

    Parameters
    ----------
    variant : int, optional
        Draw every knob with :func:`draw_variant` from this seed first.
    family : {"dev", "holdout"}, default "dev"
        The variant's family.
    knobs : dict, optional
        Knob settings (as parsed by ``config.parse_knob``); setting ``time_zones``
        without ``tz_weights`` spreads people ``1, 1/2, 1/3, ...`` over the zones.
    **params
        Other parameters (``seed``, ``days``, ``train_days``, ...); with a variant,
        only those meant to replace drawn values.

    Returns
    -------
    GenerateConfig

    Raises
    ------
    ValueError
        For any value out of range, naming the parameter.
    """
    settings = {**params, **(knobs or {})}
    if "time_zones" in settings and "tz_weights" not in settings:
        settings["tz_weights"] = ()
    if variant is None:
        return GenerateConfig(**settings)
    if "days" in settings and "train_days" not in settings:
        settings["train_days"] = default_train_days(int(settings["days"]))
    return draw_variant(variant, family, **settings)
