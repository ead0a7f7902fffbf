"""Per-actor, per-window features from the events frame (docs/design.md section 3).

Every feature is documented in ``docs/features.md``.  The pipeline is vectorised: records
are mapped to integer codes once, window aggregates are ``np.bincount`` / ``np.unique`` over
those codes, and history ("everything strictly before this window") is computed on the small
window table (one row per actor-window) plus first-seen tables.  History comes from an
:class:`ActorProfile` (summary of training events) and from earlier windows of the events
being featurised; a window never sees records from its future.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from pipes_anomaly import schema
from pipes_anomaly.catalog import FEATURE_COLUMNS, FEATURE_DESCRIPTIONS
from pipes_anomaly.features._kernels import (
    _dense_rank,
    _EarlierRows,
    _exclusive_cumsum,
    _factorize,
    _first_seen,
    _log1p,
    _networks,
    _nunique_per_row,
    _peak_counts,
    _robust_z,
    _stable_argsort,
    network_of,
)

__all__ = [
    "ActorProfile",
    "FeatureBuilder",
    "build_features",
    "build_features_and_flags",
    "build_features_and_profile",
    "event_flags",
    "network_of",
]

_NS_MIN = 60 * 10**9
_NS_HOUR = 60 * _NS_MIN
_NS_DAY = 24 * _NS_HOUR
_OFF_HOURS_P = 0.12  # an hour is unusual below this smoothed share of earlier active days
_OFF_HOURS_PRIOR = 0.5  # pseudo-days at every hour: little history flags nothing
_MIN_PEERS = 3
_CATEGORIES = tuple(c.value for c in schema.Category)
_MEMBER_ADDS = frozenset({"org.member.add", "org.workspace.member.add"})
_MEMBER_GRANTS = _MEMBER_ADDS | {"org.member.update", "org.workspace.member.update"}
_OWNER_ROLE = "owner"  # data.role of a membership that grants full control
_BASE_STATS = ("log_events", "log_destructive", "log_org_management", "log_workspaces", "log_ips")
_TRAIL_COUNTS = ("n_events", "n_connection_create", "n_pipeline_run")
#: Window counts with trailing and sustained growth features, and the name each feature uses.
_TRAIL_NAMES = {
    "n_events": "events",
    "n_connection_create": "connections",
    "n_pipeline_run": "runs",
}
_HOURS = tuple(f"h{h:02d}" for h in range(24))
_PRIOR_HOURS = tuple(f"_prior_h{h:02d}" for h in range(24))  # earlier active days per hour


def _window_ns(window: str) -> int:
    """Window length in ns; must divide a day (windows aligned to UTC midnight)."""
    try:
        ns = pd.Timedelta(window[:-1] + "D" if window.endswith("d") else window).value
    except ValueError as exc:
        raise ValueError(f"window {window!r}: not a duration such as '1h' or '1d'") from exc
    if ns <= 0 or _NS_DAY % ns:
        raise ValueError(f"window {window!r}: must divide one day evenly, e.g. '1h' or '1d'")
    return ns


#: Earlier windows (before the trailing span) needed to estimate an actor's rate.  Few
#: enough that a training period of a few weeks has the trailing features defined for
#: most of its windows: a detector never sees a feature that was always 0 in training
#: turn on in scoring merely because history grew long enough.
_MIN_RATE_WINDOWS = 3
#: Days of history an actor needs before anything can be "new" to it (IPs, networks,
#: action types, workspaces): in its first days everything is new, which would teach the
#: detector that novelty is ordinary.
_MATURE_DAYS = 7
_SUSTAIN_WINDOWS = 2  # active windows that must all stay above the actor's rate


def _trail_windows(wns: int) -> int:
    """Trailing span for the slow scale: 7 windows of a day, else one day of windows."""
    return 7 if wns >= _NS_DAY else _NS_DAY // wns


# --------------------------------------------------------------------------- profile


@dataclass
class ActorProfile:
    """History of actors learned from training events: small summary tables, picklable.

    Attributes
    ----------
    window : str
        Window the profile was built for.
    windows : DataFrame
        One row per actor-window: ``actor_id, win`` (window index since the epoch), base
        counts and log values used by baselines, hour counts ``h00..h23``, ``last_t``.
    first_seen : dict of str to DataFrame
        First time (``first_t``, ns since epoch) of each pair: ``actor_ip`` (actor_id, key),
        ``actor_network``, ``actor_action``, ``actor_workspace``, ``actor_owner_grant``
        (actor_id, key = the role), ``org_ip`` (identity_id, key), ``workspace`` and
        ``target_create`` (scope, key). A profile lacking one of them (made by an older
        version) is refused; an empty dict means no first-seen history.
    last_event : DataFrame
        Per actor, time (``t``) and network (``net``) of its last record.
    """

    window: str
    windows: pd.DataFrame
    first_seen: dict[str, pd.DataFrame] = field(default_factory=dict)
    last_event: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_events(cls, events: pd.DataFrame, *, window: str = "1d") -> ActorProfile:
        """Build a profile from (training) events.

        Parameters
        ----------
        events : DataFrame
            Events frame (docs/design.md section 2).
        window : str, default "1d"
            Window length the profile will be used with.

        Returns
        -------
        ActorProfile
        """
        return _Pipeline(events, window, None).profile()

    @property
    def n_actors(self) -> int:
        """Number of actors known to the profile."""
        return int(self.windows["actor_id"].nunique()) if len(self.windows) else 0

    @property
    def end(self) -> pd.Timestamp | None:
        """Time of the last record in the profile (UTC), None when empty."""
        if not len(self.last_event):
            return None
        return pd.Timestamp(int(self.last_event["t"].max()), unit="ns", tz="UTC")


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- pipeline


class _Pipeline:
    """Record codes, per-record flags and the window table for one events frame."""

    def __init__(self, events: pd.DataFrame, window: str, profile: ActorProfile | None) -> None:
        missing = [c for c in ("id", "action_type", "actor_id", "created_at") if c not in events]
        if missing:
            raise ValueError(f"events frame lacks column(s) {missing}; use io.read_events")
        if profile is not None and profile.window != window:
            raise ValueError(
                f"profile was built for window {profile.window!r}, features asked for "
                f"{window!r}: rebuild the profile with the same window"
            )
        self.window = window
        self.wns = _window_ns(window)
        self.prof = profile
        ev = events
        self.n = len(ev)
        self.index = ev.index
        created = pd.DatetimeIndex(ev["created_at"])
        if created.hasnans:
            raise ValueError("events frame has records without created_at")
        self.t = created.as_unit("ns").asi8.copy()
        self.win = self.t // self.wns
        a, self.actor_index = _factorize(ev["actor_id"])
        self.a = a
        # one row per (actor, window) of the data
        rk = a * (int(self.win.max() - self.win.min()) + 1 if self.n else 1) + (
            self.win - (self.win.min() if self.n else 0)
        )
        self.row, self.n_rows = _dense_rank(rk)
        first_rec = np.full(self.n_rows, self.n, dtype=np.int64)
        np.minimum.at(first_rec, self.row, np.arange(self.n, dtype=np.int64))
        self.first_rec = first_rec
        self.row_actor = a[first_rec] if self.n else np.zeros(0, np.int64)
        self.row_win = self.win[first_rec] if self.n else np.zeros(0, np.int64)
        self.ev = ev
        self._records()

    # ---- per-record codes and flags -------------------------------------------------
    def _records(self) -> None:
        ev, n = self.ev, self.n
        ac, self.action_index = _factorize(ev["action_type"])
        self.ac = ac
        cat_of = np.array(
            [_CATEGORIES.index(schema.category_of(x)) for x in self.action_index], dtype=np.int64
        )
        self.cat = cat_of[ac] if n else np.zeros(0, np.int64)
        in_set = lambda s: np.isin(ac, np.flatnonzero(self.action_index.isin(list(s))))  # noqa: E731
        self.is_destructive = self.cat == _CATEGORIES.index("destructive")
        self.is_org = self.cat == _CATEGORIES.index("org_management")
        self.is_member_add = in_set(_MEMBER_ADDS)
        self.is_billing = in_set(schema.BILLING_ACTIONS)
        self.is_conn = in_set({"connection.create"})
        self.is_run = in_set({"pipeline.command.run"})
        self.is_workspace_delete = in_set({"workspace.delete"})
        self.is_create = np.isin(
            ac, np.flatnonzero(np.asarray(self.action_index.str.endswith(".create"), dtype=bool))
        )
        ip = _col(ev, "actor_ip")
        self.ipc, self.ip_index = _factorize(ip)
        nets = _networks(self.ip_index)
        net_codes, self.net_index = _factorize(nets)
        self.netc = (
            np.where(self.ipc >= 0, net_codes[np.maximum(self.ipc, 0)], -1)
            if len(net_codes)
            else np.full(n, -1, dtype=np.int64)
        )
        self.tc, self.target_index = _factorize(_col(ev, "target_id"))
        self.wsc, self.ws_index = _factorize(_col(ev, "workspace_id"))
        self.identity = _col(ev, "identity_id")
        self.idc, self.identity_index = _factorize(self.identity)
        proc = _col(ev, "process_id")
        if isinstance(proc.dtype, pd.StringDtype):  # as read_events gives it
            self.has_process = proc.str.len().fillna(0).to_numpy(dtype=np.int64) > 0
        else:
            self.has_process = (proc.fillna("") != "").to_numpy(dtype=bool)
        cb = _col(ev, "created_by_id")
        actor = ev["actor_id"]
        # membership grants are few: compare their targets and roles only
        grants = np.flatnonzero(in_set(_MEMBER_GRANTS))
        target = _col(ev, "target_id").iloc[grants]
        role = _col(ev, "role").iloc[grants]
        self.is_self_grant = np.zeros(n, dtype=bool)
        self.is_self_grant[grants] = (target.notna() & (target == actor.iloc[grants])).to_numpy(
            dtype=bool
        )
        self.is_owner_grant = np.zeros(n, dtype=bool)
        self.is_owner_grant[grants] = (role.notna() & (role == _OWNER_ROLE)).to_numpy(dtype=bool)
        self.is_mismatch = (
            cb.notna().to_numpy(dtype=bool)
            & (cb.fillna("") != actor).to_numpy(dtype=bool)
            & ~actor.str.startswith("handle:").to_numpy(dtype=bool)
        )
        days = self.t // _NS_DAY
        self.hour = (self.t % _NS_DAY) // _NS_HOUR
        self.is_weekend = ((days + 3) % 7) >= 5  # 1970-01-01 was a Thursday
        self._history_flags()

    def _history_flags(self) -> None:
        prof = self.prof
        fs = prof.first_seen if prof is not None else {}
        t, a = self.t, self.a
        # when was each actor first seen (history or data)
        actor_first = np.full(len(self.actor_index), np.iinfo(np.int64).max, dtype=np.int64)
        if self.n:
            np.minimum.at(actor_first, a, t)
        if prof is not None and len(prof.windows):
            pw = prof.windows
            first_win = pw.groupby("actor_id")["win"].min()
            pos = self.actor_index.get_indexer(first_win.index)
            hit = pos >= 0
            actor_first[pos[hit]] = np.minimum(
                actor_first[pos[hit]], first_win.to_numpy()[hit] * self.wns
            )
        wstart = self.win * self.wns
        mature = actor_first[a] < wstart - _MATURE_DAYS * _NS_DAY if self.n else np.zeros(0, bool)

        def new_in_window(first: np.ndarray) -> np.ndarray:
            return (first >= 0) & (first // self.wns == self.win) & mature

        self.tables: dict[str, Callable[[], pd.DataFrame]] = {}  # built on demand
        f_ip, self.tables["actor_ip"] = _first_seen(
            a, self.actor_index, self.ipc, self.ip_index, t, fs.get("actor_ip"), "actor_id"
        )
        f_net, self.tables["actor_network"] = _first_seen(
            a, self.actor_index, self.netc, self.net_index, t, fs.get("actor_network"), "actor_id"
        )
        f_act, self.tables["actor_action"] = _first_seen(
            a,
            self.actor_index,
            self.ac,
            self.action_index,
            t,
            fs.get("actor_action"),
            "actor_id",
        )
        self.is_new_ip = new_in_window(f_ip)
        self.is_new_net = new_in_window(f_net)
        self.is_new_action = new_in_window(f_act)
        f_ws, self.tables["actor_workspace"] = _first_seen(
            a, self.actor_index, self.wsc, self.ws_index, t, fs.get("actor_workspace"), "actor_id"
        )
        # a workspace counts only if it existed before the window (someone used it earlier):
        # creating a workspace makes it new to its creator every day; entering one that
        # others already use is the lateral spread worth seeing
        f_wsg, self.tables["workspace"] = _first_seen(
            np.where(self.wsc >= 0, 0, -1),
            pd.Index(["*"]),
            self.wsc,
            self.ws_index,
            t,
            fs.get("workspace"),
            "scope",
        )
        self.is_new_workspace = new_in_window(f_ws) & (f_wsg >= 0) & (f_wsg < wstart)
        # organisation level: identity_id
        org_first = np.full(len(self.identity_index), np.iinfo(np.int64).max, dtype=np.int64)
        ok = self.idc >= 0
        if ok.any():
            np.minimum.at(org_first, self.idc[ok], t[ok])
        f_org, self.tables["org_ip"] = _first_seen(
            self.idc,
            self.identity_index,
            self.ipc,
            self.ip_index,
            t,
            fs.get("org_ip"),
            "identity_id",
        )
        hist_org = fs.get("org_ip")
        if hist_org is not None and len(hist_org):
            of = hist_org.groupby("identity_id")["first_t"].min()
            pos = self.identity_index.get_indexer(of.index)
            hit = pos >= 0
            org_first[pos[hit]] = np.minimum(org_first[pos[hit]], of.to_numpy()[hit])
        org_hist = np.zeros(self.n, dtype=bool)
        org_hist[ok] = org_first[self.idc[ok]] < wstart[ok]
        self.is_org_new_ip = (f_org >= 0) & (f_org // self.wns == self.win) & org_hist
        self.is_billing_new_ip = self.is_billing & self.is_new_ip
        # the first owner role an actor ever grants: admins grant owner routinely, someone
        # who never did before is stepping outside their usual authority
        f_owner, self.tables["actor_owner_grant"] = _first_seen(
            a,
            self.actor_index,
            np.where(self.is_owner_grant, 0, -1),
            pd.Index([_OWNER_ROLE]),
            t,
            fs.get("actor_owner_grant"),
            "actor_id",
        )
        self.is_new_owner_grant = self.is_owner_grant & new_in_window(f_owner)
        # resource lifetimes: data.created_at, else the first *.create seen for the target
        f_create, self.tables["target_create"] = _first_seen(
            np.where(self.is_create & (self.tc >= 0), 0, -1),
            pd.Index(["*"]),
            np.where(self.is_create, self.tc, -1),
            self.target_index,
            t,
            fs.get("target_create"),
            "scope",
        )
        missing = sorted(set(self.tables) - set(fs)) if fs else []
        if missing:  # an older profile: its absent table would make every record look new
            raise ValueError(
                f"the actor profile has no first-seen table {', '.join(missing)}: it was built "
                "by an older version of pipes-anomaly; rebuild it with ActorProfile.from_events"
            )
        created = _col(self.ev, "target_created_at")
        created_ns = np.full(self.n, -1, dtype=np.int64)
        if created.notna().any():
            c = pd.DatetimeIndex(pd.to_datetime(created, utc=True)).as_unit("ns")
            created_ns = np.where(c.isna(), -1, c.asi8)
        tc_first = self.tables["target_create"]() if (created_ns < 0).any() else None
        if tc_first is not None and len(tc_first):
            lookup = pd.Series(tc_first["first_t"].to_numpy(), index=tc_first["key"].to_numpy())
            lookup = lookup[~lookup.index.duplicated()]
            tgt = np.asarray(self.target_index, dtype=object)
            tgt_first = lookup.reindex(tgt).to_numpy() if len(tgt) else np.zeros(0)
            from_creates = np.where(
                self.tc >= 0,
                tgt_first[np.maximum(self.tc, 0)] if len(tgt_first) else np.nan,
                np.nan,
            )
            fill = (created_ns < 0) & ~np.isnan(from_creates)
            created_ns[fill] = from_creates[fill].astype(np.int64)
        del f_create
        life = np.where(
            self.is_destructive & (created_ns >= 0) & (created_ns <= t), t - created_ns, -1
        )
        self.lifetime_ns = life
        self.is_short_lived = (life >= 0) & (created_ns >= wstart)
        self._switches()

    def _switches(self) -> None:
        """Network changes between consecutive records of an actor (history-aware)."""
        n = self.n
        self.is_switch = np.zeros(n, dtype=bool)
        self.switch_gap = np.full(n, np.inf)
        self.is_new_switch = np.zeros(n, dtype=bool)
        if not n:
            self.last_event = pd.DataFrame({"actor_id": [], "t": [], "net": []})
            self.time_order = np.zeros(0, dtype=np.int64)
            return
        if (np.diff(self.t) >= 0).all():  # read_events sorts by time: one stable sort will do
            order = _stable_argsort(self.a)
        else:
            order = np.lexsort((self.t, self.a))
        self.time_order = order  # records by actor, then time (so by row, then time)
        a_o, t_o, net_o = self.a[order], self.t[order], self.netc[order]
        has = net_o >= 0
        # last record with a network before each record, within the actor
        idx = np.where(has, np.arange(n), -1)
        last_idx = np.maximum.accumulate(idx)
        prev_idx = np.r_[-1, last_idx[:-1]]
        ok_prev = prev_idx >= 0
        same_actor = np.zeros(n, dtype=bool)
        same_actor[ok_prev] = a_o[prev_idx[ok_prev]] == a_o[ok_prev]
        prev_net = np.where(same_actor, net_o[np.maximum(prev_idx, 0)], -1)
        prev_t = np.where(same_actor, t_o[np.maximum(prev_idx, 0)].astype(np.float64), np.nan)
        if self.prof is not None and len(self.prof.last_event):
            le = self.prof.last_event
            pos = self.actor_index.get_indexer(le["actor_id"])
            hit = pos >= 0
            codes = self.net_index.get_indexer(le["net"])
            codes = np.where(codes >= 0, codes, -2)  # a network absent from the data
            hist_net = np.full(len(self.actor_index), -1, dtype=np.int64)
            hist_t = np.full(len(self.actor_index), np.nan)
            hist_net[pos[hit]] = codes[hit]
            hist_t[pos[hit]] = le["t"].to_numpy(dtype=np.float64)[hit]
            # before the actor's first network in the data, use the profile's last one, but
            # only when it lies in the record's past (a profile overlapping the data is not
            # history for the records it overlaps)
            no_prev = ~same_actor & (hist_t[a_o] <= t_o)
            prev_net[no_prev] = hist_net[a_o[no_prev]]
            prev_t[no_prev] = hist_t[a_o[no_prev]]
        changed = has & (prev_net != -1) & (net_o != prev_net)
        gap = np.maximum((t_o - prev_t) / _NS_MIN, 0.0)  # >= 0 whatever the input
        self.is_switch[order] = changed & (gap <= 60)
        self.switch_gap[order] = np.where(changed, gap, np.inf)
        # a switch to or from a network new to the actor (the other side of the switch is
        # the previous record in the data; one from the profile is not new in this window)
        new_o = self.is_new_net[order]
        prev_new = np.zeros(n, dtype=bool)
        prev_new[same_actor] = new_o[prev_idx[same_actor]]
        self.is_new_switch[order] = changed & (gap <= 60) & (new_o | prev_new)
        # last event with a network per actor, for the next profile
        ends = np.r_[np.flatnonzero(a_o[1:] != a_o[:-1]), n - 1]
        li = last_idx[ends]
        keep = li >= 0
        keep[keep] = a_o[li[keep]] == a_o[ends[keep]]
        li = li[keep]
        le_new = pd.DataFrame(
            {
                "actor_id": np.asarray(self.actor_index, dtype=object)[a_o[li]],
                "t": t_o[li],
                "net": np.asarray(self.net_index, dtype=object)[net_o[li]],
            }
        )
        if self.prof is not None and len(self.prof.last_event):
            le_new = (
                pd.concat([self.prof.last_event, le_new], ignore_index=True)
                .sort_values("t", kind="stable")
                .groupby("actor_id", sort=False)
                .tail(1)
                .reset_index(drop=True)
            )
        self.last_event = le_new

    # ---- per-record flags (off-hours needs the window history) --------------------------
    def flags(self) -> pd.DataFrame:
        """Per-record flags aligned to the events index."""
        return pd.DataFrame(
            {
                "is_destructive": self.is_destructive,
                "is_org_management": self.is_org,
                "is_member_add": self.is_member_add,
                "is_billing": self.is_billing,
                "is_new_ip": self.is_new_ip,
                "is_new_network": self.is_new_net,
                "is_org_new_ip": self.is_org_new_ip,
                "is_new_action": self.is_new_action,
                "is_new_workspace": self.is_new_workspace,
                "is_off_hours": self.off_hours,
                "is_weekend": self.is_weekend,
                "is_network_switch": self.is_switch,
                "is_new_network_switch": self.is_new_switch,
                "is_short_lived": self.is_short_lived,
                "is_mismatch": self.is_mismatch,
                "is_self_grant": self.is_self_grant,
                "is_billing_new_ip": self.is_billing_new_ip,
                "is_new_owner_grant": self.is_new_owner_grant,
                "is_connection_create": self.is_conn,
                "is_pipeline_run": self.is_run,
            },
            index=self.index,
        )

    @functools.cached_property
    def off_hours(self) -> np.ndarray:
        """Per record: outside the hours its actor was usually active before the window."""
        # days on which the actor was active at each hour, before this window (aligned to
        # data rows), and the number of earlier active days
        table = self.history
        days = table[list(_PRIOR_HOURS)].to_numpy(dtype=np.float64)
        n_days = table["_prior_days"].to_numpy(dtype=np.float64)[:, None]
        smooth = days + 0.5 * (np.roll(days, 1, axis=1) + np.roll(days, -1, axis=1))
        p = (smooth + _OFF_HOURS_PRIOR) / (n_days + 2 * _OFF_HOURS_PRIOR)
        if not self.n:
            return np.zeros(0, dtype=bool)
        return p[self.row, self.hour] < _OFF_HOURS_P

    # ---- window table ----------------------------------------------------------------
    def count(self, mask: np.ndarray) -> np.ndarray:
        """Count the records per window row among those where ``mask`` holds."""
        return np.bincount(self.row[mask], minlength=self.n_rows).astype(np.float64)

    @functools.cached_property
    def base(self) -> pd.DataFrame:
        """Window aggregates of the data (one row per actor-window), no history."""
        r, nr, cnt = self.row, self.n_rows, self.count
        n_events = np.bincount(r, minlength=nr).astype(np.float64)
        hours = np.bincount(r * 24 + self.hour, minlength=nr * 24).reshape(nr, 24)
        out = {
            "actor_id": np.asarray(self.actor_index, dtype=object)[self.row_actor],
            "win": self.row_win,
            "n_events": n_events,
            "n_destructive": cnt(self.is_destructive),
            "n_org_management": cnt(self.is_org),
            "n_connection_create": cnt(self.is_conn),
            "n_pipeline_run": cnt(self.is_run),
            "n_workspaces": _nunique_per_row(r, self.wsc, nr),
            "n_ips": _nunique_per_row(r, self.ipc, nr),
            "last_t": np.full(nr, -1, dtype=np.int64),
        }
        if self.n:
            np.maximum.at(out["last_t"], r, self.t)
        hours = hours.astype(np.float64)
        for h in range(24):
            out[_HOURS[h]] = hours[:, h]
        for c in ("events", "destructive", "org_management", "workspaces", "ips"):
            out[f"log_{c}"] = _log1p(out[f"n_{c}"])
        return pd.DataFrame(out)

    @functools.cached_property
    def history(self) -> pd.DataFrame:
        """History features per window row (aligned to :attr:`base`)."""
        return _history(self, self.base)

    def profile(self) -> ActorProfile:
        base = self.base
        hist = self.prof.windows if self.prof is not None else None
        if hist is not None and len(hist):
            base = pd.concat(
                [hist[hist["win"] < base["win"].min()] if len(base) else hist, base],
                ignore_index=True,
            )
        base = base.sort_values(["actor_id", "win"], kind="stable", ignore_index=True)
        keep = ["actor_id", "win", "last_t", *_BASE_STATS, *_TRAIL_COUNTS, *_HOURS]
        base = base[keep].copy()
        base[list(_HOURS)] = np.minimum(base[list(_HOURS)], 65535)  # only presence is used
        base = base.astype({h: np.uint16 for h in _HOURS})
        base = base.astype({c: np.float32 for c in _TRAIL_COUNTS})
        tables = {k: make() for k, make in self.tables.items()}
        return ActorProfile(self.window, base, tables, self.last_event)


def _col(ev: pd.DataFrame, name: str) -> pd.Series:
    if name in ev:
        return ev[name]
    return pd.Series([None] * len(ev), index=ev.index, dtype="str")


def _history(pipe: _Pipeline, base: pd.DataFrame) -> pd.DataFrame:
    """History features per data row (aligned to ``base``), from profile + earlier rows."""
    prof = pipe.prof
    cur = base.copy()
    cur["_cur"] = np.arange(len(cur))
    if prof is not None and len(prof.windows):
        hist = prof.windows
        hist = hist[hist["win"] < cur["win"].min()] if len(cur) else hist
        hist = hist.assign(_cur=-1)
        comb = pd.concat([hist, cur], ignore_index=True)
    else:
        comb = cur
    comb = comb.sort_values(["actor_id", "win"], kind="stable", ignore_index=True)
    g = comb.groupby("actor_id", sort=False)
    out = pd.DataFrame(index=comb.index)
    # rows are in actor blocks: where each row's block starts
    a_codes = pd.factorize(comb["actor_id"])[0]
    start = np.r_[True, a_codes[1:] != a_codes[:-1]][: len(comb)]  # no rows: empty
    block_start = np.maximum.accumulate(np.where(start, np.arange(len(comb)), 0))
    prev_last = g["last_t"].shift(1)
    wstart = comb["win"].to_numpy() * pipe.wns
    seen = prev_last.notna().to_numpy()
    out["is_new_actor"] = (~seen).astype(np.float64)
    days = (wstart - prev_last.fillna(0).to_numpy()) / _NS_DAY
    out["days_since_last_seen"] = np.where(seen, np.log1p(np.maximum(days, 0)), 0.0)
    # robust baselines: median and spread of earlier windows' log values
    cols = list(_BASE_STATS)  # log_X -> X_vs_self
    # median of the actor's earlier windows: one rolling pass whose window for each row is
    # its block's rows before it (empty, so NaN, for the first)
    med = comb[cols].rolling(_EarlierRows(block_start), min_periods=1).median()
    csum = g[cols].cumsum()
    csq = (comb[cols] ** 2).groupby(comb["actor_id"], sort=False).cumsum()
    k = g.cumcount().to_numpy().astype(np.float64)  # earlier windows count
    prev_sum = csum - comb[cols]
    prev_sq = csq - comb[cols] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = prev_sum.to_numpy() / k[:, None]
        var = prev_sq.to_numpy() / k[:, None] - mean**2
    std = np.sqrt(np.maximum(np.nan_to_num(var, nan=0.0), 0.0))
    for j, c in enumerate(cols):
        z = _robust_z(comb[c].to_numpy(), med[c].to_numpy(), std[:, j])
        out[c.removeprefix("log_") + "_vs_self"] = np.where(k > 0, z, 0.0)
    # usual hours: on how many earlier days was the actor active at each hour (counting
    # days, not events, so that one long night does not make its hours usual)
    present = (comb[list(_HOURS)].to_numpy() > 0).astype(np.int32)
    prior_hours = pd.DataFrame(
        _exclusive_cumsum(present, block_start).astype(np.float64),
        columns=list(_PRIOR_HOURS),
        index=out.index,
    )
    out = pd.concat([out, prior_hours], axis=1)
    day = comb["win"].to_numpy() * pipe.wns // _NS_DAY
    new_day = start | np.r_[True, day[1:] != day[:-1]][: len(comb)]
    out["_prior_days"] = _exclusive_cumsum(new_day.astype(np.float64)[:, None], block_start)[:, 0]
    # slow scale: trailing sums and slope over T calendar windows
    T = _trail_windows(pipe.wns)
    win = comb["win"].to_numpy()
    span = int(win.max() - win.min() + T + 1) if len(win) else 1
    key = a_codes.astype(np.int64) * span + (win - (win.min() if len(win) else 0))
    j = np.searchsorted(key, key - T + 1, side="left")
    first_win = win[block_start]
    hist_windows = (win - T + 1) - first_win
    # ... and sustained growth: the fewest records in any of the actor's last K active
    # windows against its per-active-window mean before them (a single burst does not echo)
    pos = np.arange(len(comb))
    lo = pos - _SUSTAIN_WINDOWS + 1
    n_before = lo - block_start
    lo_c = np.clip(lo, 0, None)
    for c in _TRAIL_COUNTS:
        x = comb[c].to_numpy(dtype=np.float64)
        cs = np.r_[0.0, np.cumsum(x)]
        trail = cs[pos + 1] - cs[j]
        hist_sum = cs[j] - cs[block_start]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = hist_sum / hist_windows
            ratio = np.log((trail + 1) / (rate * T + 1))
            # ... but only while the current window is above the rate too: a one-day
            # burst would otherwise echo through the next T-1 windows
            now = np.log((x + 1) / (rate + 1))
        ratio = np.minimum(ratio, np.nan_to_num(now))
        what = _TRAIL_NAMES[c]
        out[f"trail_{what}_vs_self"] = np.where(
            hist_windows >= _MIN_RATE_WINDOWS, np.nan_to_num(ratio), 0.0
        )
        low = x.copy()  # minimum over this and the K-1 earlier windows of the same actor
        for back in range(1, _SUSTAIN_WINDOWS):
            same = pos - back >= block_start
            low[same] = np.minimum(low[same], x[pos[same] - back])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (cs[lo_c] - cs[block_start]) / n_before
        ratio = np.log((low + 1) / (np.nan_to_num(mean) + 1))
        out[f"sustained_{what}_vs_self"] = np.where(n_before >= _MIN_RATE_WINDOWS, ratio, 0.0)
    y = comb["log_events"].to_numpy()
    cy = np.r_[0.0, np.cumsum(y)]
    cty = np.r_[0.0, np.cumsum(y * (win - win.min() if len(win) else win))]
    sum_y = cy[pos + 1] - cy[j]
    sum_ty = cty[pos + 1] - cty[j]
    tbar = (win - (win.min() if len(win) else 0)) - (T - 1) / 2
    var_t = T * (T**2 - 1) / 12
    out["trend_slope"] = np.where(win - first_win >= 1, (sum_ty - tbar * sum_y) / var_t, 0.0)
    out["_cur"] = comb["_cur"].to_numpy()
    out = out[out["_cur"] >= 0].sort_values("_cur").drop(columns="_cur")
    return out.reset_index(drop=True)


_PEER_INPUTS = (
    "share_process",
    "log_events",
    "log_destructive",
    "log_org_management",
    "log_workspaces",
    "trail_connections_vs_self",
    "trail_runs_vs_self",
)


def _peers(df: pd.DataFrame, identity: np.ndarray) -> pd.DataFrame:
    """Robust z of a few window values against peers in the same window."""
    kind = (df["share_process"].to_numpy() > 0.5).astype(np.int64)
    org = pd.factorize(pd.Series(identity, dtype=object).fillna("").to_numpy())[0]
    win = pd.factorize(df["win"].to_numpy())[0].astype(np.int64)
    # integer group ids: (window, kind) and (window, org, kind)
    by_kind = win * 2 + kind
    by_org = pd.factorize(by_kind * (int(org.max()) + 1 if len(org) else 1) + org)[0]
    size = np.bincount(by_org)[by_org] if len(by_org) else np.zeros(0, np.int64)
    use_org = size >= _MIN_PEERS
    pairs = (
        ("log_events", "events_vs_peers"),
        ("log_destructive", "destructive_vs_peers"),
        ("log_org_management", "org_management_vs_peers"),
        ("log_workspaces", "workspaces_vs_peers"),
        # growth against the peers' growth: a rise the whole peer group shares is less
        # telling than one actor rising alone
        ("trail_connections_vs_self", "connections_growth_vs_peers"),
        ("trail_runs_vs_self", "runs_growth_vs_peers"),
    )
    x = pd.DataFrame({name: df[col].to_numpy() for col, name in pairs})
    zs = []
    for g in (by_kind, by_org):  # all columns in one grouped pass each
        med = x.groupby(g, sort=False).transform("median")
        mad = (x - med).abs().groupby(g, sort=False).transform("median") * 1.4826
        zs.append(_robust_z(x.to_numpy(), med.to_numpy(), mad.to_numpy()))
    out = np.where(use_org[:, None], zs[1], zs[0])
    return pd.DataFrame(out, columns=x.columns, index=df.index)


def _assemble(pipe: _Pipeline) -> pd.DataFrame:
    """Return the features frame of the pipeline's events."""
    base, hist = pipe.base, pipe.history
    r, nr, n = pipe.row, pipe.n_rows, pipe.n
    ev = pipe.ev
    fr = pipe.first_rec
    wstart = pipe.row_win * pipe.wns
    df = pd.DataFrame(
        {
            "actor_id": base["actor_id"].to_numpy(),
            "actor_handle": _col(ev, "actor_handle").iloc[fr].to_numpy() if n else [],
            "identity_handle": _col(ev, "identity_handle").iloc[fr].to_numpy() if n else [],
            "window_start": pd.to_datetime(wstart, unit="ns", utc=True),
            "window_end": pd.to_datetime(wstart + pipe.wns, unit="ns", utc=True),
            "n_events": base["n_events"].to_numpy().astype(np.int64),
        }
    )
    cnt = pipe.count
    ne = base["n_events"].to_numpy()
    f: dict[str, np.ndarray] = {}
    f["log_events"] = base["log_events"].to_numpy()
    f["log_action_types"] = _log1p(_nunique_per_row(r, pipe.ac, nr))
    f["log_targets"] = _log1p(_nunique_per_row(r, pipe.tc, nr))
    f["log_workspaces"] = base["log_workspaces"].to_numpy()
    f["log_identities"] = _log1p(_nunique_per_row(r, pipe.idc, nr))
    cats = np.bincount(r * len(_CATEGORIES) + pipe.cat, minlength=nr * len(_CATEGORIES))
    cats = cats.reshape(nr, len(_CATEGORIES)).astype(np.float64)
    for i, c in enumerate(_CATEGORIES):
        f[f"share_{c}"] = cats[:, i] / np.maximum(ne, 1)
    f["log_destructive"] = base["log_destructive"].to_numpy()
    f["log_org_management"] = base["log_org_management"].to_numpy()
    f["log_member_adds"] = _log1p(cnt(pipe.is_member_add))
    f["log_self_grants"] = _log1p(cnt(pipe.is_self_grant))
    f["log_billing"] = _log1p(cnt(pipe.is_billing))
    f["log_ips"] = base["log_ips"].to_numpy()
    f["log_networks"] = _log1p(_nunique_per_row(r, pipe.netc, nr))
    f["log_new_ips"] = _log1p(_nunique_per_row(r, np.where(pipe.is_new_ip, pipe.ipc, -1), nr))
    f["log_new_networks"] = _log1p(
        _nunique_per_row(r, np.where(pipe.is_new_net, pipe.netc, -1), nr)
    )
    f["log_org_new_ips"] = _log1p(
        _nunique_per_row(r, np.where(pipe.is_org_new_ip, pipe.ipc, -1), nr)
    )
    f["log_network_switches_1h"] = _log1p(cnt(pipe.is_switch))
    f["log_new_network_switches"] = _log1p(cnt(pipe.is_new_switch))
    closeness = np.zeros(nr)
    if n:
        np.maximum.at(closeness, r, np.exp(-pipe.switch_gap / 60.0))
    f["switch_closeness"] = closeness
    hours = base[list(_HOURS)].to_numpy()
    p = hours / np.maximum(hours.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["hour_entropy"] = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    n_off = cnt(pipe.off_hours)
    f["share_off_hours"] = n_off / np.maximum(ne, 1)
    f["log_off_hours"] = _log1p(n_off)
    f["share_weekend"] = cnt(pipe.is_weekend) / np.maximum(ne, 1)
    o = pipe.time_order
    minute_o = (pipe.t[o] - pipe.win[o] * pipe.wns) // _NS_MIN
    per_minute, per_10min, same_action = _peak_counts(r[o], minute_o, pipe.ac[o], nr)
    f["log_peak_per_minute"] = _log1p(per_minute)
    f["log_peak_per_10min"] = _log1p(per_10min)
    f["log_max_same_action_per_minute"] = _log1p(same_action)
    f["log_created_deleted"] = _log1p(
        _nunique_per_row(r, np.where(pipe.is_short_lived, pipe.tc, -1), nr)
    )
    deleted = pipe.lifetime_ns >= 0

    def shortest_life(mask: np.ndarray) -> np.ndarray:  # 1 / (1 + hours), 0 when none
        out = np.zeros(nr)
        if mask.any():
            np.maximum.at(out, r[mask], 1.0 / (1.0 + pipe.lifetime_ns[mask] / _NS_HOUR))
        return out

    f["short_lifetime"] = shortest_life(deleted)
    # the same for whole workspaces: a resource made by mistake and deleted minutes later is
    # ordinary; a workspace set up, used and torn down within minutes is the pattern
    f["workspace_short_lifetime"] = shortest_life(deleted & pipe.is_workspace_delete)
    f["log_mismatch"] = _log1p(cnt(pipe.is_mismatch))
    f["share_process"] = cnt(pipe.has_process) / np.maximum(ne, 1)
    f["log_new_actions"] = _log1p(
        _nunique_per_row(r, np.where(pipe.is_new_action, pipe.ac, -1), nr)
    )
    f["log_new_workspaces"] = _log1p(
        _nunique_per_row(r, np.where(pipe.is_new_workspace, pipe.wsc, -1), nr)
    )
    f["log_billing_new_ip"] = _log1p(cnt(pipe.is_billing_new_ip))
    f["log_new_owner_grants"] = _log1p(cnt(pipe.is_new_owner_grant))
    for c in hist.columns:
        if c in FEATURE_DESCRIPTIONS:
            f[c] = hist[c].to_numpy()
    peers = _peers(
        pd.DataFrame({c: f[c] for c in _PEER_INPUTS} | {"win": pipe.row_win}),
        pipe.identity.iloc[fr].to_numpy() if n else np.zeros(0, dtype=object),
    )
    for c in peers:
        f[c] = peers[c].to_numpy()
    # rows by window, then actor id (as text): rank the actors once, sort integer keys
    names = np.asarray(pipe.actor_index, dtype=object).astype(str)
    actor_rank = np.empty(len(names), dtype=np.int64)
    actor_rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    order = np.lexsort((actor_rank[pipe.row_actor], pipe.row_win))
    block = np.empty((len(FEATURE_COLUMNS), nr), dtype=np.float64)  # one float block, sorted
    for j, c in enumerate(FEATURE_COLUMNS):
        np.take(f[c], order, out=block[j])
    block[np.isnan(block)] = 0.0
    feats = pd.DataFrame(block.T, columns=list(FEATURE_COLUMNS), copy=False)
    return pd.concat([df.take(order).reset_index(drop=True), feats], axis=1)


def build_features(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> pd.DataFrame:
    """Turn events into one row per actor per window.

    Parameters
    ----------
    events : DataFrame
        Events frame from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC (``"1h"`` or ``"1d"``; any divisor of a day).
    profile : ActorProfile, optional
        History from training events. Without it, history is learned online from the
        earlier windows of ``events`` itself.

    Returns
    -------
    DataFrame
        Key columns ``actor_id, actor_handle, identity_handle, window_start, window_end,
        n_events`` then ``FEATURE_COLUMNS`` (float64, no NaN), sorted by window then actor.
    """
    return _assemble(_Pipeline(events, window, profile))


def event_flags(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> pd.DataFrame:
    """Per-record boolean flags aggregated by the window features.

    Parameters
    ----------
    events : DataFrame
        Events frame (not modified).
    window : str, default "1d"
        Window used for "new in this window" and off-hours flags.
    profile : ActorProfile, optional
        History, as for :func:`build_features`.

    Returns
    -------
    DataFrame
        ``FLAG_COLUMNS`` (bool), indexed like ``events``.
    """
    return _Pipeline(events, window, profile).flags()


def build_features_and_flags(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Window features and per-record flags from a single pass over ``events``.

    Same results as :func:`build_features` and :func:`event_flags` with the same
    arguments, in about half the time of calling both.

    Parameters
    ----------
    events : DataFrame
        Events frame from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC.
    profile : ActorProfile, optional
        History from training events, as for :func:`build_features`.

    Returns
    -------
    features : DataFrame
        As :func:`build_features` returns it.
    flags : DataFrame
        As :func:`event_flags` returns it (``FLAG_COLUMNS``, indexed like ``events``).
    """
    pipe = _Pipeline(events, window, profile)
    return _assemble(pipe), pipe.flags()


def build_features_and_profile(
    events: pd.DataFrame, *, window: str = "1d"
) -> tuple[pd.DataFrame, ActorProfile]:
    """Online features of training events and their :class:`ActorProfile`, in one pass.

    Same results as :func:`build_features` and :meth:`ActorProfile.from_events` with the
    same arguments, reading the events once.

    Parameters
    ----------
    events : DataFrame
        Training events from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC.

    Returns
    -------
    features : DataFrame
        As :func:`build_features` returns it without a profile.
    profile : ActorProfile
        As :meth:`ActorProfile.from_events` returns it.
    """
    pipe = _Pipeline(events, window, None)
    return _assemble(pipe), pipe.profile()


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """sklearn transformer: events frame -> feature matrix (``FEATURE_COLUMNS``).

    ``fit`` learns an :class:`ActorProfile` from training events; ``transform`` featurises
    new events with that history. ``fit_transform`` featurises the training events online.

    Parameters
    ----------
    window : str, default "1d"
        Window length.
    """

    def __init__(self, *, window: str = "1d") -> None:
        self.window = window

    def fit(self, X: pd.DataFrame, y: object = None) -> FeatureBuilder:  # noqa: N803
        """Learn the actor profile from training events."""
        self.profile_ = ActorProfile.from_events(X, window=self.window)
        self.feature_names_out_ = np.asarray(FEATURE_COLUMNS, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Return the full feature frame (keys and features) for new events."""
        return build_features(X, window=self.window, profile=self.profile_)

    def fit_transform(self, X: pd.DataFrame, y: object = None) -> pd.DataFrame:  # noqa: N803
        """Fit, and return the training events' features computed online."""
        feats, self.profile_ = build_features_and_profile(X, window=self.window)
        self.feature_names_out_ = np.asarray(FEATURE_COLUMNS, dtype=object)
        return feats

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the feature columns."""
        return np.asarray(FEATURE_COLUMNS, dtype=object)
