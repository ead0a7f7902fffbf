"""The address each person's session and each bot run comes from.

People work from their office's NAT addresses (shared by everyone there), from
home (IPv4 that may change once, IPv6 that may be a privacy address renewed
daily in the same /64), the organisation's VPN, a phone whose carrier rotates
addresses inside and across its /16s, a personal VPN or a cloud desktop.  VPN
and cloud exits may come from one provider pool shared by every organisation
(and attackers).  Bots run from one or two cloud addresses, or from elastic ones
that change every few days within their /16.

The base stream draws what the default world has; the net stream everything
else, so a default world draws exactly what it always did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipes_anomaly.generate.builder import IpTable, Organisation
from pipes_anomaly.generate.config import DAY, SATURDAY, GenerateConfig

#: sessions a person can have in a day
SESSIONS = 3
#: share of sessions of people with IPv6 at home that use it
_V6_SESSION_SHARE = 0.4
#: share of weekdays office workers spend at the office
_OFFICE_DAY_SHARE = 0.75
#: share of sessions on the organisation's VPN, a mobile network, a personal VPN and a
#: cloud desktop, for the people who use each
_VPN_SESSION_SHARE, _MOBILE_SESSION_SHARE = 0.5, 0.35
_PERSONAL_VPN_SESSION_SHARE, _CLOUD_DESK_SESSION_SHARE = 0.3, 0.4
#: share of a bot's runs from its first address
_BOT_FIRST_IP_SHARE = 0.8
#: an elastic bot keeps an address this many days (range)
_ELASTIC_DAYS = (1, 8)
#: IPv6 groups of a /64 prefix, and IPv4 octets of a /16
_V6_PREFIX_GROUPS, _V4_SLASH16 = 4, 2


def session_ips(
    cfg: GenerateConfig,
    org: Organisation,
    ips: IpTable,
    humans: np.ndarray,
    weekday: np.ndarray,
    rng: np.random.Generator,
    rng_net: np.random.Generator,
) -> np.ndarray:
    """IP index per (person, day, session): office, home (v4/v6), VPN, mobile, ...

    Parameters
    ----------
    cfg : GenerateConfig
        The world's knobs.
    org : Organisation
        Actors and their habits.
    ips : IpTable
        Where new addresses are minted.
    humans : numpy.ndarray
        Actor indices of the people, in row order of the result.
    weekday : numpy.ndarray
        ``date.weekday()`` of each timeline day.
    rng, rng_net : numpy.random.Generator
        Base stream (default-world draws) and net stream (the others).

    Returns
    -------
    numpy.ndarray
        ``(people, days, SESSIONS)`` indices into ``ips``.
    """
    A, D = humans.size, weekday.size
    act = org.actors.iloc[humans]
    home = act["home_ip"].to_numpy()[:, None, None]
    home2 = act["home_ip2"].to_numpy()[:, None, None]
    switch = act["switch_day"].to_numpy()[:, None, None]
    days = np.arange(D)[None, :, None]
    ip = np.where((switch >= 0) & (days >= switch), home2, home)
    ip = np.broadcast_to(ip, (A, D, SESSIONS)).copy()
    v6 = act["v6_ip"].to_numpy()
    use_v6 = (v6[:, None, None] >= 0) & (rng.random((A, D, SESSIONS)) < _V6_SESSION_SHARE)
    ip = np.where(use_v6, _v6_addresses(cfg, ips, v6, D, rng_net), ip)
    _office_days(org, act, ip, weekday, rng)
    _org_vpn(cfg, org, act, ips, ip, rng, rng_net)
    _mobile(cfg, act, ips, ip, rng, rng_net)
    _personal_exits(cfg, ips, ip, rng, rng_net)
    return ip


def _v6_addresses(cfg: GenerateConfig, ips: IpTable, v6: np.ndarray, n_days: int,
                  rng_net: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Home IPv6 address per (person, day, 1): fixed, or a new privacy address each day."""
    out = np.broadcast_to(v6[:, None, None], (v6.size, n_days, 1)).copy()
    if cfg.v6_privacy <= 0:
        return out
    for i in np.flatnonzero((v6 >= 0) & (rng_net.random(v6.size) < cfg.v6_privacy)):
        out[i, :, 0] = ips.mint_near(int(v6[i]), _V6_PREFIX_GROUPS, n_days)
    return out


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
        pick = nat[rng.integers(0, nat.size, (D, SESSIONS))]
        ip[i] = np.where(in_office[i][:, None], pick, ip[i])


def _org_vpn(cfg: GenerateConfig, org: Organisation, act: pd.DataFrame, ips: IpTable,
             ip: np.ndarray, rng: np.random.Generator,
             rng_net: np.random.Generator) -> None:  # fmt: skip
    """Sessions on the organisation's VPN pool (partly the shared provider's exits)."""
    shape = (ip.shape[1], SESSIONS)
    org_of = act["org"].to_numpy()
    pools = list(org.org_vpn)
    if cfg.shared_egress > 0:  # organisations on the same VPN provider share its exits
        for o, pool in enumerate(pools):
            shared = rng_net.random(pool.size) < cfg.shared_egress
            pools[o] = np.where(shared, ips.egress("vpn", rng_net, pool.size), pool)
    for i in np.flatnonzero(act["vpn"].to_numpy()):
        pool = pools[int(org_of[i])]
        use = rng.random(shape) < _VPN_SESSION_SHARE
        ip[i] = np.where(use, pool[rng.integers(0, pool.size, shape)], ip[i])


def _mobile(cfg: GenerateConfig, act: pd.DataFrame, ips: IpTable, ip: np.ndarray,
            rng: np.random.Generator, rng_net: np.random.Generator) -> None:  # fmt: skip
    """Sessions on a phone: a new carrier address each time, often in the same /16."""
    shape = (ip.shape[1], SESSIONS)
    for i in np.flatnonzero(act["mobile"].to_numpy()):
        use = rng.random(shape) < _MOBILE_SESSION_SHARE
        k = int(use.sum())
        if not k:
            continue
        if cfg.mobile_same_range <= 0:
            ip[i][use] = ips.mint("mobile", k)
            continue
        base = int(ips.mint("mobile")[0])
        carrier = ips.range_octets(base)
        same = rng_net.random(k) < cfg.mobile_same_range
        near = ips.mint_near(base, max(carrier, _V4_SLASH16), int(same.sum()))
        far = ips.mint_near(base, carrier, int((~same).sum()))
        out = np.empty(k, dtype=np.int32)
        out[same], out[~same] = near, far
        ip[i][use] = out


def _personal_exits(cfg: GenerateConfig, ips: IpTable, ip: np.ndarray,
                    rng: np.random.Generator, rng_net: np.random.Generator) -> None:  # fmt: skip
    """Sessions on a personal VPN with changing exits, or on a cloud desktop."""
    A = ip.shape[0]
    shape = (ip.shape[1], SESSIONS)
    for i in np.flatnonzero(rng.random(A) < cfg.personal_vpn_share):
        use = rng.random(shape) < _PERSONAL_VPN_SESSION_SHARE
        k = int(use.sum())
        if k:
            ip[i][use] = _exits(cfg, ips, "vpn", k, rng_net)
    for i in np.flatnonzero(rng.random(A) < cfg.cloud_desk_share):
        desk = int(_exits(cfg, ips, "cloud", 1, rng_net)[0])
        ip[i] = np.where(rng.random(shape) < _CLOUD_DESK_SESSION_SHARE, desk, ip[i])


def _exits(cfg: GenerateConfig, ips: IpTable, kind: str, n: int,
           rng_net: np.random.Generator) -> np.ndarray:  # fmt: skip
    """``n`` exit addresses of ``kind``: fresh ones, or some from the shared provider pool."""
    fresh = ips.mint(kind, n)
    if cfg.shared_egress <= 0:
        return fresh
    shared = rng_net.random(n) < cfg.shared_egress
    return np.where(shared, ips.egress(kind, rng_net, n), fresh)


def bot_addresses(
    cfg: GenerateConfig,
    org: Organisation,
    ips: IpTable,
    a: int,
    ts: np.ndarray,
    rng: np.random.Generator,
    rng_net: np.random.Generator,
) -> np.ndarray:
    """Address of each run of bot ``a`` at times ``ts``: its one or two, or elastic ones.

    An elastic bot gets a new address in its first address's /16 every 1-7 days.
    """
    first = rng.random(ts.size) < _BOT_FIRST_IP_SHARE
    fixed = np.where(first, org.a_home[a], org.a_home2[a])
    if cfg.bot_elastic <= 0 or rng_net.random() >= cfg.bot_elastic:
        return fixed
    day = (ts - org.t0) // DAY
    cuts = np.cumsum(rng_net.integers(*_ELASTIC_DAYS, org.days + 1))
    epoch = np.searchsorted(cuts, day, side="right")
    n_epochs = int(epoch.max()) + 1 if epoch.size else 1
    addresses = np.concatenate(
        [[org.a_home[a]], ips.mint_near(int(org.a_home[a]), _V4_SLASH16, n_epochs - 1)]
    )
    return addresses[epoch]
