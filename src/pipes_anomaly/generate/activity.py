"""Ordinary activity of every actor, vectorised over actor-days (the base stream).

People act in up to three sessions around their local business hours, less at
weekends, not on holiday, from an address per session (office, home, VPN,
mobile); bots run on a steady cadence around the clock.  Actions come from each
actor's own mix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipes_anomaly.generate.builder import IpTable, Organisation
from pipes_anomaly.generate.config import DAY, SATURDAY, GenerateConfig, day_date
from pipes_anomaly.generate.inject import ROUTINE_MIN_AGE
from pipes_anomaly.generate.lookalikes import NEW_HIRE_DAYS
from pipes_anomaly.generate.vocabulary import CLOUD_DESK_SHARE, PERSONAL_VPN_SHARE
from pipes_anomaly.schema import ACTION_TYPES, LOOKALIKES

#: sessions a person can have in a day, and how often the second and third happen
_SESSIONS = 3
_SECOND_SESSION_SHARE, _THIRD_SESSION_SHARE = 0.6, 0.25
#: share of sessions of people with IPv6 at home that use it
_V6_SESSION_SHARE = 0.4
#: share of weekdays office workers spend at the office
_OFFICE_DAY_SHARE = 0.75
#: share of sessions on the organisation's VPN, a mobile network, a personal VPN and a
#: cloud desktop, for the people who use each
_VPN_SESSION_SHARE, _MOBILE_SESSION_SHARE = 0.5, 0.35
_PERSONAL_VPN_SESSION_SHARE, _CLOUD_DESK_SESSION_SHARE = 0.3, 0.4
#: share of people who still work a little at weekends, and their weekend rate factors
_WEEKEND_WORKER_SHARE, _WEEKEND_WORKER_RATE, _WEEKEND_RATE = 0.15, 0.3, 0.06
#: share of people who take a holiday, and its length in days (range)
_HOLIDAY_SHARE, _HOLIDAY_DAYS = 0.5, (2, 8)
#: session centres: the first this many hours after the day starts (range), the second
#: from this long after the start to this long before the end, the third this long
#: before the end (range), or late in the evening
_FIRST_AFTER_START_H = (0.1, 2.5)
_SECOND_AFTER_START_H, _SECOND_BEFORE_END_H = 3.0, 1.0
_THIRD_BEFORE_END_H = (2.5, 0.3)
#: a person's rate varies from day to day by a gamma factor of mean 1 and this shape
_DAY_RATE_SHAPE = 4.0
#: local hours of a late-evening third session (range), and how often it happens
_EVENING_START_H, _EVENING_END_H, _EVENING_SHARE = 19.5, 23.0, 0.07
#: spread of an event's time around its session's centre (seconds)
_SESSION_SPREAD = 1500.0
#: a bot's run is this many seconds early or late at most
_BOT_JITTER = 120
#: share of a bot's runs from its first address
_BOT_FIRST_IP_SHARE = 0.8
#: share of touches that go to another team's resources (of the same organisation)
_OTHER_TEAM_SHARE = 0.08


def base_events(
    cfg: GenerateConfig,
    org: Organisation,
    ips: IpTable,
    new_hires: list[tuple[int, int]],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Return the benign activity of every actor as event columns, inside the timeline."""
    weekday = np.array([day_date(cfg.start, d).weekday() for d in range(cfg.days)])
    humans = np.flatnonzero(~org.a_bot)
    counts, n_sess, centres = _human_days(org, humans, weekday, rng)
    ip = _session_ips(org, ips, humans, weekday, rng)
    ts, actor, ev_ip = _human_events(org, humans, counts, n_sess, centres, ip, rng)
    b_ts, b_actor, b_ip = _bot_events(org, rng)
    ts = np.concatenate([ts, *b_ts])
    actor = np.concatenate([actor, *b_actor])
    ev_ip = np.concatenate([ev_ip, *b_ip]).astype(np.int32)
    ev = _columns(org, ts, actor, _draw_actions(org, actor, rng), ev_ip)
    _send_some_to_other_teams(org, ev, actor, rng)
    _mark_new_hires(org, ev, new_hires)
    keep = (ev["ts"] >= org.t0) & (ev["ts"] < cfg.end_ts)
    return {k: v[keep] for k, v in ev.items()}


def _human_days(
    org: Organisation, humans: np.ndarray, weekday: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events, sessions and session centres (local hours) per (person, day)."""
    A, D = humans.size, weekday.size
    rate = org.actors["rate"].to_numpy()[humans]
    weekend_rate = np.where(
        rng.random(A) < _WEEKEND_WORKER_SHARE, _WEEKEND_WORKER_RATE, _WEEKEND_RATE
    )
    factor = np.where(weekday[None, :] >= SATURDAY, weekend_rate[:, None], 1.0)
    days = np.arange(D)[None, :]
    active = (days >= org.active_from[humans, None]) & (days <= org.active_to[humans, None])
    hol_start = rng.integers(0, D, A)
    hol_len = np.where(rng.random(A) < _HOLIDAY_SHARE, rng.integers(*_HOLIDAY_DAYS, A), 0)
    on_holiday = (days >= hol_start[:, None]) & (days < (hol_start + hol_len)[:, None])
    lam = (
        rate[:, None]
        * factor
        * active
        * ~on_holiday
        * rng.gamma(_DAY_RATE_SHAPE, 1 / _DAY_RATE_SHAPE, (A, D))
    )
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
    evening = rng.random((A, D)) < _EVENING_SHARE
    c2 = np.where(
        evening,
        rng.uniform(_EVENING_START_H, _EVENING_END_H, (A, D)),
        rng.uniform(be - _THIRD_BEFORE_END_H[0], be - _THIRD_BEFORE_END_H[1]),
    )
    return counts, n_sess, np.stack([c0, c1, c2], axis=-1)


def _human_events(
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
    hour = centres.reshape(-1, _SESSIONS)[ad, sess]
    sec = hour * 3600.0 + rng.normal(0.0, _SESSION_SPREAD, n)
    ts = (org.t0 + d * DAY + sec - org.a_tz[humans][a_loc] * 60).astype(np.int64)
    actor = humans[a_loc].astype(np.int32)
    ev_ip = ip.reshape(-1, _SESSIONS)[ad, sess]
    return ts, actor, ev_ip


def _bot_events(
    org: Organisation, rng: np.random.Generator
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
        first = rng.random(k.size) < _BOT_FIRST_IP_SHARE
        b_ip.append(np.where(first, act.at[a, "home_ip"], act.at[a, "home_ip2"]))
    return b_ts, b_actor, b_ip


def _draw_actions(org: Organisation, actor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One action per event from its actor's own mix (one search over all mixes)."""
    u = rng.random(actor.size)
    n_act = len(ACTION_TYPES)
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
        "creator": actor.copy(),
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
    }


def _send_some_to_other_teams(
    org: Organisation, ev: dict[str, np.ndarray], actor: np.ndarray, rng: np.random.Generator
) -> None:
    """Point a share of events at another team of the actor's organisation."""
    other = rng.random(actor.size) < _OTHER_TEAM_SHARE
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


def _session_ips(
    org: Organisation,
    ips: IpTable,
    humans: np.ndarray,
    weekday: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """IP index per (person, day, session): office, home (v4/v6), VPN or mobile."""
    A, D = humans.size, weekday.size
    act = org.actors.iloc[humans]
    home = act["home_ip"].to_numpy()[:, None, None]
    home2 = act["home_ip2"].to_numpy()[:, None, None]
    switch = act["switch_day"].to_numpy()[:, None, None]
    days = np.arange(D)[None, :, None]
    ip = np.where((switch >= 0) & (days >= switch), home2, home)
    ip = np.broadcast_to(ip, (A, D, _SESSIONS)).copy()
    v6 = act["v6_ip"].to_numpy()
    use_v6 = (v6[:, None, None] >= 0) & (rng.random((A, D, _SESSIONS)) < _V6_SESSION_SHARE)
    ip = np.where(use_v6, v6[:, None, None], ip)
    _office_days(org, act, ip, weekday, rng)
    _roaming(org, act, ips, ip, rng)
    return ip


def _office_days(org: Organisation, act: pd.DataFrame, ip: np.ndarray, weekday: np.ndarray,
                 rng: np.random.Generator) -> None:  # fmt: skip
    """Office workers are at the office (a NAT address) all day on most weekdays."""
    A, D = ip.shape[:2]
    office = act["office"].to_numpy()
    org_of = act["org"].to_numpy()
    weekdays = weekday[None, :] < SATURDAY
    in_office = (
        (office[:, None] >= 0) & weekdays & (rng.random((A, D)) < _OFFICE_DAY_SHARE)
    )  # all day
    for i in np.flatnonzero(office >= 0):
        nat = org.office_ips[(int(org_of[i]), int(office[i]))]
        pick = nat[rng.integers(0, nat.size, (D, _SESSIONS))]
        ip[i] = np.where(in_office[i][:, None], pick, ip[i])


def _roaming(org: Organisation, act: pd.DataFrame, ips: IpTable, ip: np.ndarray,
             rng: np.random.Generator) -> None:  # fmt: skip
    """Sessions on the organisation's VPN, on mobile networks, a personal VPN or a cloud desktop."""
    A, D = ip.shape[:2]
    shape = (D, _SESSIONS)
    org_of = act["org"].to_numpy()
    for i in np.flatnonzero(act["vpn"].to_numpy()):
        pool = org.org_vpn[int(org_of[i])]
        use = rng.random(shape) < _VPN_SESSION_SHARE
        ip[i] = np.where(use, pool[rng.integers(0, pool.size, shape)], ip[i])
    for i in np.flatnonzero(act["mobile"].to_numpy()):
        use = rng.random(shape) < _MOBILE_SESSION_SHARE
        k = int(use.sum())
        if k:
            ip[i][use] = ips.mint("mobile", k)
    for i in np.flatnonzero(rng.random(A) < PERSONAL_VPN_SHARE):
        use = rng.random(shape) < _PERSONAL_VPN_SESSION_SHARE
        k = int(use.sum())
        if k:
            ip[i][use] = ips.mint("vpn", k)
    for i in np.flatnonzero(rng.random(A) < CLOUD_DESK_SHARE):
        desk = int(ips.mint("cloud")[0])
        ip[i] = np.where(rng.random(shape) < _CLOUD_DESK_SESSION_SHARE, desk, ip[i])
