"""Ordinary activity of every actor, vectorised over actor-days (the base stream).

People act in up to three sessions around their local business hours, less at
weekends, not on holiday or other days off, from an address per session
(``network``: office, home, VPN, mobile, ...); bots run on a steady cadence around
the clock.  Actions come from each actor's own mix.
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.generate.builder import IpTable, Organisation, Streams
from pipes_anomaly.generate.config import DAY, SATURDAY, GenerateConfig, day_date
from pipes_anomaly.generate.inject import ROUTINE_MIN_AGE
from pipes_anomaly.generate.lookalikes import NEW_HIRE_DAYS
from pipes_anomaly.generate.network import SESSIONS, bot_addresses, session_ips
from pipes_anomaly.generate.vocabulary import ACTIONS
from pipes_anomaly.schema import LOOKALIKES

#: how often a person's second and third session of a day happen
_SECOND_SESSION_SHARE, _THIRD_SESSION_SHARE = 0.6, 0.25
#: weekend rate factor of the people who work a little at weekends
_WEEKEND_WORKER_RATE = 0.3
#: length of a holiday in days (range)
_HOLIDAY_DAYS = (2, 8)
#: session centres: the first this many hours after the day starts (range), the second
#: from this long after the start to this long before the end, the third this long
#: before the end (range), or late in the evening
_FIRST_AFTER_START_H = (0.1, 2.5)
_SECOND_AFTER_START_H, _SECOND_BEFORE_END_H = 3.0, 1.0
_THIRD_BEFORE_END_H = (2.5, 0.3)
#: local hours of a late-evening third session (range)
_EVENING_START_H, _EVENING_END_H = 19.5, 23.0
#: a bot's run is this many seconds early or late at most
_BOT_JITTER = 120


def base_events(
    cfg: GenerateConfig,
    org: Organisation,
    ips: IpTable,
    new_hires: list[tuple[int, int]],
    streams: Streams,
) -> dict[str, np.ndarray]:
    """Return the benign activity of every actor as event columns, inside the timeline.

    The base stream draws what the default world has; the net stream the network
    habits only other worlds have.
    """
    rng = streams.base
    weekday = np.array([day_date(cfg.start, d).weekday() for d in range(cfg.days)])
    humans = np.flatnonzero(~org.a_bot)
    counts, n_sess, centres = _human_days(cfg, org, humans, weekday, rng)
    ip = session_ips(cfg, org, ips, humans, weekday, rng, streams.net)
    ts, actor, ev_ip = _human_events(cfg, org, humans, counts, n_sess, centres, ip, rng)
    b_ts, b_actor, b_ip = _bot_events(cfg, org, ips, rng, streams.net)
    ts = np.concatenate([ts, *b_ts])
    actor = np.concatenate([actor, *b_actor])
    ev_ip = np.concatenate([ev_ip, *b_ip]).astype(np.int32)
    ev = _columns(org, ts, actor, _draw_actions(org, actor, rng), ev_ip)
    _send_some_to_other_teams(cfg, org, ev, actor, rng)
    _mark_new_hires(org, ev, new_hires)
    _mark_odd_actors(org, ev)
    keep = (ev["ts"] >= org.t0) & (ev["ts"] < cfg.end_ts)
    return {k: v[keep] for k, v in ev.items()}


def _human_days(
    cfg: GenerateConfig,
    org: Organisation,
    humans: np.ndarray,
    weekday: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events, sessions and session centres (local hours) per (person, day)."""
    A, D = humans.size, weekday.size
    rate = org.actors["rate"].to_numpy()[humans]
    weekend_rate = np.where(
        rng.random(A) < cfg.weekend_worker_share,
        max(_WEEKEND_WORKER_RATE, cfg.weekend_rate),
        cfg.weekend_rate,
    )
    factor = np.where(weekday[None, :] >= SATURDAY, weekend_rate[:, None], 1.0)
    days = np.arange(D)[None, :]
    active = (days >= org.active_from[humans, None]) & (days <= org.active_to[humans, None])
    hol_start = rng.integers(0, D, A)
    hol_len = np.where(rng.random(A) < cfg.holiday_share, rng.integers(*_HOLIDAY_DAYS, A), 0)
    on_holiday = (days >= hol_start[:, None]) & (days < (hol_start + hol_len)[:, None])
    on_holiday |= _days_off(org, humans, D)
    lam = rate[:, None] * factor * active * ~on_holiday * _day_factors(cfg, (A, D), rng)
    counts = rng.poisson(lam)
    n_sess = (
        1
        + (rng.random((A, D)) < _SECOND_SESSION_SHARE)
        + (rng.random((A, D)) < _THIRD_SESSION_SHARE)
    )
    bs = org.a_bs[humans][:, None]
    be = org.a_be[humans][:, None]
    c0 = bs + rng.uniform(*_FIRST_AFTER_START_H, (A, D))
    c1 = bs + rng.uniform(_SECOND_AFTER_START_H, be - bs - _SECOND_BEFORE_END_H, (A, D))
    evening = rng.random((A, D)) < cfg.evening_share
    c2 = np.where(
        evening,
        rng.uniform(_EVENING_START_H, _EVENING_END_H, (A, D)),
        rng.uniform(be - _THIRD_BEFORE_END_H[0], be - _THIRD_BEFORE_END_H[1]),
    )
    return counts, n_sess, np.stack([c0, c1, c2], axis=-1)


def _day_factors(cfg: GenerateConfig, shape: tuple[int, int],
                 rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Day-to-day factors on people's rates: gamma of mean 1 and variance ``burstiness``."""
    if cfg.burstiness <= 0:
        return np.ones(shape)
    k = 1.0 / cfg.burstiness
    return rng.gamma(k, 1.0 / k, shape)


def _days_off(org: Organisation, humans: np.ndarray, n_days: int) -> np.ndarray:
    """Mask of the planned days off (long leave) per (person, day)."""
    off = np.zeros((humans.size, n_days), dtype=bool)
    row = {int(a): i for i, a in enumerate(humans)}
    for a, d0, d1 in org.absent:
        if a in row:
            off[row[a], max(d0, 0) : max(d1 + 1, 0)] = True
    return off


def _human_events(
    cfg: GenerateConfig,
    org: Organisation,
    humans: np.ndarray,
    counts: np.ndarray,
    n_sess: np.ndarray,
    centres: np.ndarray,
    ip: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, actor and address of each person's event, spread around its session."""
    D = counts.shape[1]
    ad = np.repeat(np.arange(counts.size), counts.ravel())
    n = ad.size
    sess = (rng.random(n) * n_sess.ravel()[ad]).astype(np.int64)
    a_loc, d = np.divmod(ad, D)
    hour = centres.reshape(-1, SESSIONS)[ad, sess]
    sec = hour * 3600.0 + rng.normal(0.0, cfg.session_spread_min * 60.0, n)
    ts = (org.t0 + d * DAY + sec - org.a_tz[humans][a_loc] * 60).astype(np.int64)
    actor = humans[a_loc].astype(np.int32)
    ev_ip = ip.reshape(-1, SESSIONS)[ad, sess]
    return ts, actor, ev_ip


def _bot_events(
    cfg: GenerateConfig,
    org: Organisation,
    ips: IpTable,
    rng: np.random.Generator,
    rng_net: np.random.Generator,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Time, actor and address of each bot run: a steady cadence around the clock."""
    act = org.actors
    b_ts, b_actor, b_ip = [], [], []
    span = org.days * DAY
    for a in np.flatnonzero(org.a_bot):
        period = int(act.at[a, "bot_period"])
        k = np.arange(span // period)
        t = (
            org.t0
            + int(rng.integers(0, period))
            + k * period
            + rng.integers(-_BOT_JITTER, _BOT_JITTER + 1, k.size)
        )
        b_ts.append(t)
        b_actor.append(np.full(k.size, a, dtype=np.int32))
        b_ip.append(bot_addresses(cfg, org, ips, int(a), t, rng, rng_net))
    return b_ts, b_actor, b_ip


def _draw_actions(org: Organisation, actor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One action per event from its actor's own mix (one search over all mixes)."""
    u = rng.random(actor.size)
    n_act = len(ACTIONS)
    flat = (org.mix_cum + np.arange(org.n_actors)[:, None]).ravel()
    pos = np.searchsorted(flat, actor + u, side="right") - actor.astype(np.int64) * n_act
    return np.clip(pos, 0, n_act - 1).astype(np.int16)


def _columns(org: Organisation, ts: np.ndarray, actor: np.ndarray, action: np.ndarray,
             ip: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """Event columns of ordinary events: no target, label or look-alike yet."""
    m = ts.size
    return {
        "ts": ts.astype(np.int64),
        "actor": actor,
        "by": actor.copy(),
        "action": action,
        "target": np.full(m, -1, dtype=np.int32),
        "group": org.a_team[actor].astype(np.int32),
        "ip": ip,
        "extra": np.full(m, -1, dtype=np.int32),
        "min_age": np.full(m, ROUTINE_MIN_AGE, dtype=np.int32),
        "ref": np.full(m, -1, dtype=np.int32),
        "parent": np.full(m, -1, dtype=np.int32),
        "scenario": np.full(m, -1, dtype=np.int16),
        "incident": np.full(m, -1, dtype=np.int32),
        "lookalike": np.full(m, -1, dtype=np.int16),
        "manual": np.zeros(m, dtype=np.int8),
    }


def _send_some_to_other_teams(
    cfg: GenerateConfig,
    org: Organisation,
    ev: dict[str, np.ndarray],
    actor: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Point a share of events at another team of the actor's organisation."""
    other = rng.random(actor.size) < cfg.cross_team_share
    if other.any():
        ev["group"][other] = rng.integers(0, org.n_teams, int(other.sum()))
        same_org = np.array(org.team_org)[ev["group"]] == org.a_org[actor]
        ev["group"] = np.where(same_org, ev["group"], org.a_team[actor])


def _mark_new_hires(
    org: Organisation, ev: dict[str, np.ndarray], new_hires: list[tuple[int, int]]
) -> None:
    """List each new hire's first days as the ``new_hire`` look-alike."""
    day = (ev["ts"] - org.t0) // DAY
    for a, d0 in new_hires:
        mask = (ev["actor"] == a) & (day >= d0) & (day < d0 + NEW_HIRE_DAYS)
        ev["lookalike"][mask] = LOOKALIKES.index("new_hire")


def _mark_odd_actors(org: Organisation, ev: dict[str, np.ndarray]) -> None:
    """List every ordinary event of a persistent odd actor as its look-alike kind."""
    for a, kind in org.odd.items():
        ev["lookalike"][ev["actor"] == a] = LOOKALIKES.index(kind)
