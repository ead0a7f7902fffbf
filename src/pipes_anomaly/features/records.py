"""Per-record codes and flags of one events frame, read against the history of a profile.

:func:`read_records` runs the four steps, each a function returning a frozen dataclass:
:func:`encode_records` maps the records to integer codes (:class:`RecordCodes`),
:func:`record_flags` says what each record is by itself (:class:`RecordFlags`),
:func:`history_flags` what is new about it to its actor or organisation
(:class:`HistoryFlags`) and :func:`network_switches` how its network changed from the
actor's previous record (:class:`NetworkSwitches`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from pipes_anomaly import schema
from pipes_anomaly.catalog import NEW_ACCOUNT_DAYS
from pipes_anomaly.features._kernels import (
    _blocks,
    _dense_rank,
    _factorize,
    _first_seen,
    _networks,
    _stable_argsort,
)

_NS_MIN = 60 * 10**9
_NS_HOUR = 60 * _NS_MIN
_NS_DAY = 24 * _NS_HOUR
_REQUIRED = ("id", "action_type", "actor_id", "created_at")
_CATEGORIES = tuple(c.value for c in schema.Category)
_MEMBER_ADDS = frozenset({"org.member.add", "org.workspace.member.add"})
_MEMBER_GRANTS = _MEMBER_ADDS | {"org.member.update", "org.workspace.member.update"}
_OWNER_ROLE = "owner"  # data.role of a membership that grants full control
_PUBLIC = "anyone_with_link"  # data.visibility of a resource anyone holding its link can open
_ALL = "*"  # the one owner (``scope``) of first-seen tables kept for everyone, not per actor
#: Prefix of the actor ids the reader makes from a handle (records without an actor id):
#: such an actor has no id to compare with ``created_by_id`` or ``updated_by_id``.
_HANDLE_ACTOR = "handle:"
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday is 0)
_SATURDAY = 5  # weekdays from Saturday on are the weekend
#: Days of history an actor needs before anything can be "new" to it (IPs, networks,
#: action types, workspaces): in its first days everything is new, which would teach the
#: detector that novelty is ordinary.
_MATURE_DAYS = 7
#: A network change counts as a switch when the previous record is at most this recent.
_SWITCH_MINUTES = 60
#: A making record's ``data`` is the resource it made when ``data.created_at`` is at most
#: this long before the record (clock skew, queueing); older, ``data`` is an object that
#: existed before (an organisation whose payment method was added) and names its creator.
_MADE_BY_RECORD_NS = 10 * _NS_MIN
#: Verbs of the actions that make a resource (a workspace, a membership, an installed mod):
#: on them ``data.created_by`` names the actor when ``data`` is what they made.
_MAKING_VERBS = ("create", "add", "install")
#: Verbs of the actions that remove a resource: they change it, so ``data.updated_by``
#: names the actor (by verb, not category: removing a member is org management).
_REMOVING_VERBS = ("delete", "uninstall", "dissociate")


class History(Protocol):
    """What records are read against: an ``ActorProfile`` (this module does not import it)."""

    window: str
    windows: pd.DataFrame
    first_seen: dict[str, pd.DataFrame]
    last_event: pd.DataFrame


@dataclass(frozen=True)
class RecordCodes:
    """The records of one events frame as integer codes (-1 where a value is missing).

    Each ``*_codes`` array has one entry per record and indexes into the matching
    ``*_index`` (the distinct values, in order of first appearance).

    Attributes
    ----------
    index : Index
        Index of the events frame (the flags frame is returned on it).
    window_ns : int
        Window length in ns.
    times : ndarray
        Time of each record, int64 ns since the epoch.
    windows : ndarray
        Window of each record: windows since the epoch (``times // window_ns``).
    hours : ndarray
        UTC hour of each record.
    actor_codes, action_codes, ip_codes, network_codes : ndarray
        Codes of ``actor_id``, ``action_type``, ``actor_ip`` and its /16 or /48 network.
    block_codes : ndarray
        Code of the /8 or /32 block of the record's network (an ISP's or provider's range).
    target_codes, workspace_codes, identity_codes : ndarray
        Codes of ``target_id``, ``workspace_id`` and ``identity_id`` (the organisation).
    actor_index, action_index, ip_index, network_index, block_index : Index
        The distinct values the codes above stand for.
    target_index, workspace_index, identity_index : Index
        Likewise.
    rows : ndarray
        Row of each record in the window table (one row per actor and window present).
    n_rows : int
        Rows of the window table.
    first_records : ndarray
        First record of each row.
    row_actors, row_windows : ndarray
        Actor code and window of each row.
    time_order : ndarray
        Records ordered by actor, then time (so by row, then time).
    """

    index: pd.Index
    window_ns: int
    times: np.ndarray
    windows: np.ndarray
    hours: np.ndarray
    actor_codes: np.ndarray
    actor_index: pd.Index
    action_codes: np.ndarray
    action_index: pd.Index
    ip_codes: np.ndarray
    ip_index: pd.Index
    network_codes: np.ndarray
    network_index: pd.Index
    block_codes: np.ndarray
    block_index: pd.Index
    target_codes: np.ndarray
    target_index: pd.Index
    workspace_codes: np.ndarray
    workspace_index: pd.Index
    identity_codes: np.ndarray
    identity_index: pd.Index
    rows: np.ndarray
    n_rows: int
    first_records: np.ndarray
    row_actors: np.ndarray
    row_windows: np.ndarray
    time_order: np.ndarray

    @property
    def n_records(self) -> int:
        """Number of records."""
        return len(self.times)


@dataclass(frozen=True)
class RecordFlags:
    """What each record is by itself (one boolean per record unless said otherwise).

    Attributes
    ----------
    categories : ndarray
        Category of each record's action, as a position in ``schema.Category`` (int64).
    is_destructive, is_org_management : ndarray
        The action's category is destructive, org management.
    is_member_add, is_billing : ndarray
        A member added to the organisation or a workspace; a billing action.
    is_connection_create, is_pipeline_run, is_workspace_delete : ndarray
        The action is ``connection.create``, ``pipeline.command.run``, ``workspace.delete``.
    is_create : ndarray
        The action creates something (verb ``create``).
    is_failure : ndarray
        The action's category is failure (an unknown type such as ``login.failed``).
    has_process : ndarray
        The record has a ``process_id`` (a pipeline ran it).
    is_self_grant : ndarray
        A membership grant or change whose member is the actor itself.
    is_owner_grant : ndarray
        A membership grant or change to the owner role.
    member : ndarray
        Of a membership grant or change, the member it names: ``data.user_id`` (a
        membership's ``data`` is the membership), else ``target_id``; None on other
        records and where neither names anyone (an empty id names nobody).
    is_mismatch : ndarray
        The record's acting id names someone other than the actor: ``created_by_id`` on a
        create, add or install that made the resource in ``data`` (``data.created_at``
        absent or at most ten minutes before the record), ``updated_by_id`` where the
        record has one on an update, a removal (delete, uninstall, dissociate) or a
        create, add or install of an older object. On any other record
        ``created_by_id`` is the resource's creator, legitimately a teammate.
    is_weekend : ndarray
        Saturday or Sunday (UTC).
    is_public_share : ndarray
        The record made or changed its resource (a create, add, install or update) and
        left it open to anyone holding the link (``data.visibility`` is
        ``anyone_with_link`` in any letter case: ``data`` is the resource after the action).
    """

    categories: np.ndarray
    is_destructive: np.ndarray
    is_org_management: np.ndarray
    is_member_add: np.ndarray
    is_billing: np.ndarray
    is_connection_create: np.ndarray
    is_pipeline_run: np.ndarray
    is_workspace_delete: np.ndarray
    is_create: np.ndarray
    is_failure: np.ndarray
    has_process: np.ndarray
    is_self_grant: np.ndarray
    is_owner_grant: np.ndarray
    member: np.ndarray
    is_mismatch: np.ndarray
    is_weekend: np.ndarray
    is_public_share: np.ndarray


@dataclass(frozen=True)
class HistoryFlags:
    """What is new about each record, against history and the earlier records.

    "New" means first seen in the record's window, for an actor with
    ``_MATURE_DAYS`` of history before it.

    Attributes
    ----------
    is_new_network : ndarray
        The network is new to the actor.
    is_novel_network : ndarray
        The network is new to the actor and to its organisation (peers included), and its
        block too is new to the actor: not the ordinary churn of addresses inside
        networks and providers the actor or its colleagues use (NAT, mobile carriers,
        IPv6 privacy addresses, elastic cloud addresses).
    network_first_ns : ndarray
        When the actor first used the record's network (-1 without a network).
    is_new_action : ndarray
        The action type is new to the actor; action types unknown to the schema and
        classified ``other`` never count (a new API version brings them to everyone).
    is_new_workspace : ndarray
        The workspace is new to the actor and was in use before the window.
    is_billing_novel : ndarray
        A billing action from a novel network.
    is_new_owner_grant : ndarray
        The actor's first grant of the owner role.
    is_self_owner_grant : ndarray
        Such a grant naming the actor itself.
    owner_grants_received : ndarray
        The scopes (workspaces, organisations) in which someone else granted the record's
        actor the owner role in the ``catalog.NEW_ACCOUNT_DAYS`` days up to its first record.
    is_new_account_owner : ndarray
        A record of such an actor in a window starting on the UTC day of its first record.
    lifetime_ns : ndarray
        For a destructive record, the age (ns) of what it deletes; -1 when unknown.
    is_short_lived : ndarray
        A destructive record deleting what was created in the same window.
    first_seen_tables : dict of str to callable
        Per first-seen table, a function building it (history merged with these records)
        for the next profile; built on demand, so scoring does not pay for them.
    """

    is_new_network: np.ndarray
    is_novel_network: np.ndarray
    network_first_ns: np.ndarray
    is_new_action: np.ndarray
    is_new_workspace: np.ndarray
    is_billing_novel: np.ndarray
    is_new_owner_grant: np.ndarray
    is_self_owner_grant: np.ndarray
    owner_grants_received: np.ndarray
    is_new_account_owner: np.ndarray
    lifetime_ns: np.ndarray
    is_short_lived: np.ndarray
    first_seen_tables: dict[str, Callable[[], pd.DataFrame]]


@dataclass(frozen=True)
class NetworkSwitches:
    """Network changes between consecutive records of an actor.

    Attributes
    ----------
    is_switch : ndarray
        The network differs from that of the actor's previous record with a network, at
        most ``_SWITCH_MINUTES`` earlier.
    gap_minutes : ndarray
        Minutes since that previous record where the network changed, else ``inf``.
    is_novel_switch : ndarray
        A switch between a novel network and one the actor used before the window.
    novel_gap_minutes : ndarray
        ``gap_minutes`` of the novel switches, ``inf`` elsewhere.
    last_event : DataFrame
        Per actor, time (``t``) and network (``net``) of its last record with a network,
        history included (for the next profile).
    """

    is_switch: np.ndarray
    gap_minutes: np.ndarray
    is_novel_switch: np.ndarray
    novel_gap_minutes: np.ndarray
    last_event: pd.DataFrame


@dataclass(frozen=True)
class Records:
    """Codes and flags of the records of one events frame."""

    codes: RecordCodes
    flags: RecordFlags
    history_flags: HistoryFlags
    switches: NetworkSwitches


def event_column(events: pd.DataFrame, name: str) -> pd.Series:
    """Return a column of the events, all missing (string dtype) when the frame lacks it.

    Parameters
    ----------
    events : DataFrame
        Events frame.
    name : str
        Column name.

    Returns
    -------
    Series
    """
    if name in events:
        return events[name]
    return pd.Series([None] * len(events), index=events.index, dtype="str")


def _window_ns(window: str) -> int:
    """Window length in ns; must divide a day (windows aligned to UTC midnight)."""
    try:
        ns = pd.Timedelta(window[:-1] + "D" if window.endswith("d") else window).value
    except ValueError as exc:
        raise ValueError(f"window {window!r}: not a duration such as '1h' or '1d'") from exc
    if ns <= 0 or _NS_DAY % ns:
        raise ValueError(f"window {window!r}: must divide one day evenly, e.g. '1h' or '1d'")
    return ns


def read_records(events: pd.DataFrame, window: str, history: History | None) -> Records:
    """Read the codes and flags of the records, against a profile's history.

    Parameters
    ----------
    events : DataFrame
        Events frame from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str
        Window length, aligned to UTC; any divisor of a day.
    history : ActorProfile, optional
        History from training events, built for the same window.

    Returns
    -------
    Records

    Raises
    ------
    ValueError
        When the frame lacks a required column or a time, the window does not divide a
        day, or the profile was built for another window or by an older version.
    """
    missing = [c for c in _REQUIRED if c not in events]
    if missing:
        raise ValueError(f"events frame lacks column(s) {missing}; use io.read_events")
    if history is not None and history.window != window:
        raise ValueError(
            f"profile was built for window {history.window!r}, features asked for "
            f"{window!r}: rebuild the profile with the same window"
        )
    codes = encode_records(events, _window_ns(window))
    flags = record_flags(events, codes)
    novelty = history_flags(
        codes,
        flags,
        history.first_seen if history is not None else {},
        history.windows if history is not None else None,
        event_column(events, "target_created_at"),
    )
    switches = network_switches(codes, novelty, history.last_event if history is not None else None)
    return Records(codes, flags, novelty, switches)


def encode_records(events: pd.DataFrame, window_ns: int) -> RecordCodes:
    """Map the records to integer codes and to their rows in the window table.

    Parameters
    ----------
    events : DataFrame
        Events frame with at least ``id, action_type, actor_id, created_at``.
    window_ns : int
        Window length in ns.

    Returns
    -------
    RecordCodes
    """
    n = len(events)
    created = pd.DatetimeIndex(events["created_at"])
    if created.hasnans:
        raise ValueError("events frame has records without created_at")
    t = created.as_unit("ns").asi8.copy()
    win = t // window_ns
    a, actor_index = _factorize(events["actor_id"])
    # one row per (actor, window) of the data
    rk = a * (int(win.max() - win.min()) + 1 if n else 1) + (win - (win.min() if n else 0))
    rows, n_rows = _dense_rank(rk)
    first_rec = np.full(n_rows, n, dtype=np.int64)
    np.minimum.at(first_rec, rows, np.arange(n, dtype=np.int64))
    ac, action_index = _factorize(events["action_type"])
    ipc, ip_index = _factorize(event_column(events, "actor_ip"))
    net_codes, net_index = _factorize(_networks(ip_index))
    blk_codes, block_index = _factorize(_blocks(net_index))
    network_codes = (
        np.where(ipc >= 0, net_codes[np.maximum(ipc, 0)], -1)
        if len(net_codes)
        else np.full(n, -1, dtype=np.int64)
    )
    tc, target_index = _factorize(event_column(events, "target_id"))
    wsc, ws_index = _factorize(event_column(events, "workspace_id"))
    idc, identity_index = _factorize(event_column(events, "identity_id"))
    return RecordCodes(
        index=events.index,
        window_ns=window_ns,
        times=t,
        windows=win,
        hours=(t % _NS_DAY) // _NS_HOUR,
        actor_codes=a,
        actor_index=actor_index,
        action_codes=ac,
        action_index=action_index,
        ip_codes=ipc,
        ip_index=ip_index,
        network_codes=network_codes,
        network_index=net_index,
        block_codes=(
            np.where(network_codes >= 0, blk_codes[np.maximum(network_codes, 0)], -1)
            if len(blk_codes)
            else np.full(n, -1, dtype=np.int64)
        ),
        block_index=block_index,
        target_codes=tc,
        target_index=target_index,
        workspace_codes=wsc,
        workspace_index=ws_index,
        identity_codes=idc,
        identity_index=identity_index,
        rows=rows,
        n_rows=n_rows,
        first_records=first_rec,
        row_actors=a[first_rec] if n else np.zeros(0, np.int64),
        row_windows=win[first_rec] if n else np.zeros(0, np.int64),
        time_order=_actor_time_order(a, t),
    )


def _actor_time_order(actor_codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Positions of the records ordered by actor, then time (stable)."""
    if not len(times):
        return np.zeros(0, dtype=np.int64)
    if (np.diff(times) >= 0).all():  # read_events sorts by time: one stable sort will do
        return _stable_argsort(actor_codes)
    return np.lexsort((times, actor_codes))


def record_flags(events: pd.DataFrame, codes: RecordCodes) -> RecordFlags:
    """Compute the flags each record carries by itself: category, kind, grants, mismatch.

    Parameters
    ----------
    events : DataFrame
        Events frame the codes were made from.
    codes : RecordCodes
        Its codes.

    Returns
    -------
    RecordFlags
    """
    n, ac, actions = codes.n_records, codes.action_codes, codes.action_index
    cat_of = np.array([_CATEGORIES.index(schema.category_of(x)) for x in actions], dtype=np.int64)
    categories = cat_of[ac] if n else np.zeros(0, np.int64)

    def of_actions(names: Collection[str]) -> np.ndarray:
        """Mark the records whose action type is one of ``names``."""
        return np.isin(ac, np.flatnonzero(actions.isin(list(names))))

    grants = np.flatnonzero(of_actions(_MEMBER_GRANTS))
    is_self_grant, is_owner_grant, member = _grants(events, grants)
    days = codes.times // _NS_DAY
    verbs = np.asarray([schema.verb_of(x) for x in actions], dtype=object)
    is_create = np.isin(ac, np.flatnonzero(verbs == "create"))
    is_update = np.isin(ac, np.flatnonzero(verbs == "update"))
    makes = np.isin(ac, np.flatnonzero(np.isin(verbs, _MAKING_VERBS)))
    removes = np.isin(ac, np.flatnonzero(np.isin(verbs, _REMOVING_VERBS)))
    older = _older_target(codes.times, event_column(events, "target_created_at"))
    # making on an older object changed it: like an update, its updated_by names who acted
    changed = is_update | removes | (makes & older)
    return RecordFlags(
        categories=categories,
        is_destructive=categories == _CATEGORIES.index("destructive"),
        is_org_management=categories == _CATEGORIES.index("org_management"),
        is_member_add=of_actions(_MEMBER_ADDS),
        is_billing=of_actions(schema.BILLING_ACTIONS),
        is_connection_create=of_actions({"connection.create"}),
        is_pipeline_run=of_actions({"pipeline.command.run"}),
        is_workspace_delete=of_actions({"workspace.delete"}),
        is_create=is_create,
        is_failure=categories == _CATEGORIES.index("failure"),
        has_process=_has_process(event_column(events, "process_id")),
        is_self_grant=is_self_grant,
        is_owner_grant=is_owner_grant,
        member=member,
        is_mismatch=_mismatch(events, makes & ~older, changed),
        is_weekend=((days + _EPOCH_WEEKDAY) % 7) >= _SATURDAY,
        is_public_share=_public(event_column(events, "visibility")) & (makes | is_update),
    )


def _public(visibility: pd.Series) -> np.ndarray:
    """Mark the records whose resource is left open to anyone holding its link."""
    text = visibility.astype("string")  # a frame built by hand may hold floats (all NaN)
    return (text.str.lower() == _PUBLIC).fillna(False).to_numpy(dtype=bool)


def _has_process(proc: pd.Series) -> np.ndarray:
    """Mark the records with a non-empty process id."""
    if isinstance(proc.dtype, pd.StringDtype):  # as read_events gives it
        return proc.str.len().fillna(0).to_numpy(dtype=np.int64) > 0
    return (proc.fillna("") != "").to_numpy(dtype=bool)


def _grants(events: pd.DataFrame, grants: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Self grants, owner grants and members among the membership grants at ``grants``."""
    # membership grants are few: read their members and roles only
    user = event_column(events, "user_id").iloc[grants]
    target = event_column(events, "target_id").iloc[grants]
    named = user.where(user.notna() & (user != ""), target)
    named = named.where(named.notna() & (named != ""), None)
    member = np.full(len(events), None, dtype=object)
    member[grants] = named.to_numpy(dtype=object)
    role = event_column(events, "role").iloc[grants]
    is_self_grant = np.zeros(len(events), dtype=bool)
    is_self_grant[grants] = (
        named.notna() & (named == events["actor_id"].iloc[grants].to_numpy())
    ).to_numpy(dtype=bool)
    is_owner_grant = np.zeros(len(events), dtype=bool)
    is_owner_grant[grants] = (role.notna() & (role == _OWNER_ROLE)).to_numpy(dtype=bool)
    return is_self_grant, is_owner_grant, member


def _older_target(times: np.ndarray, target_created_at: pd.Series) -> np.ndarray:
    """Mark the records whose ``data`` was created well before the record itself."""
    if not target_created_at.notna().any():
        return np.zeros(len(times), dtype=bool)
    made = pd.DatetimeIndex(pd.to_datetime(target_created_at, utc=True)).as_unit("ns")
    return ~made.isna() & (made.asi8 < times - _MADE_BY_RECORD_NS)


def _mismatch(events: pd.DataFrame, made_here: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """Mark the records whose acting id names someone other than the actor.

    ``data`` is the resource after the action: its ``created_by_id`` names the creator,
    who is the actor only on an action that made that resource (``made_here``: a create,
    add or install whose ``data`` is not an older object); ``updated_by_id`` names the
    actor where the action changed ``data`` (``changed``: an update, a removal, a create,
    add or install of an older object).
    """
    out = np.zeros(len(events), dtype=bool)
    for mask, column in ((made_here, "created_by_id"), (changed, "updated_by_id")):
        pos = np.flatnonzero(mask)
        if not len(pos) or column not in events:
            continue
        said = events[column].iloc[pos]
        actor = events["actor_id"].iloc[pos]
        out[pos] |= (
            said.notna().to_numpy(dtype=bool)
            & (said.fillna("") != actor).to_numpy(dtype=bool)
            & ~actor.str.startswith(_HANDLE_ACTOR).to_numpy(dtype=bool)
        )
    return out


def history_flags(
    codes: RecordCodes,
    flags: RecordFlags,
    first_seen: Mapping[str, pd.DataFrame],
    earlier_windows: pd.DataFrame | None,
    target_created_at: pd.Series,
) -> HistoryFlags:
    """Flag what is new about each record, from first-seen times over history and data.

    Parameters
    ----------
    codes : RecordCodes
        The records' codes.
    flags : RecordFlags
        The records' own flags.
    first_seen : mapping of str to DataFrame
        A profile's first-seen tables; empty for no history.
    earlier_windows : DataFrame, optional
        A profile's window table (when each actor was first seen).
    target_created_at : Series
        ``target_created_at`` of the records (resource lifetimes).

    Returns
    -------
    HistoryFlags
    """
    firsts, tables = _first_times(codes, flags, first_seen)
    missing = sorted(set(tables) - set(first_seen)) if first_seen else []
    if missing:  # an older profile: its absent table would make every record look new
        raise ValueError(
            f"the actor profile has no first-seen table {', '.join(missing)}: it was built "
            "by an older version of pipes-anomaly; rebuild it with ActorProfile.from_events"
        )
    wstart = codes.windows * codes.window_ns
    actor_first = _actor_first(codes, earlier_windows)
    mature = actor_first[codes.actor_codes] < wstart - _MATURE_DAYS * _NS_DAY

    def new_in_window(first: np.ndarray) -> np.ndarray:
        """Mark the records first seen in their own window, for an actor with history."""
        return (first >= 0) & (first // codes.window_ns == codes.windows) & mature

    is_new_network = new_in_window(firsts["actor_network"])
    # a network nobody in the organisation used before, in a provider's block the actor
    # never used: ordinary address churn stays inside known networks and blocks
    f_org = firsts["org_network"]
    is_novel = is_new_network & new_in_window(firsts["actor_block"]) & (f_org >= wstart)
    f_wsg = firsts["workspace"]
    seen_before = (f_wsg >= 0) & (f_wsg < wstart)  # the workspace was in use before
    lifetime_ns, is_short_lived = _lifetimes(
        codes, flags, target_created_at, tables["target_create"], wstart
    )
    known_category = flags.categories != _CATEGORIES.index(schema.CATEGORY_OTHER)
    first_t = np.full(len(codes.actor_index), -1, dtype=np.int64)
    first_t[codes.actor_codes] = firsts["actor"]
    received = _owner_grants_received(codes, first_t, tables["owner_grantee"])
    first_day = first_t[codes.actor_codes] // _NS_DAY * _NS_DAY
    new_account = wstart < first_day + _NS_DAY
    is_new_owner_grant = flags.is_owner_grant & new_in_window(firsts["actor_owner_grant"])
    return HistoryFlags(
        is_new_network=is_new_network,
        is_novel_network=is_novel,
        network_first_ns=firsts["actor_network"],
        is_new_action=new_in_window(firsts["actor_action"]) & known_category,
        is_new_workspace=new_in_window(firsts["actor_workspace"]) & seen_before,
        is_billing_novel=flags.is_billing & is_novel,
        is_new_owner_grant=is_new_owner_grant,
        is_self_owner_grant=is_new_owner_grant & flags.is_self_grant,
        owner_grants_received=received[codes.actor_codes],
        is_new_account_owner=new_account & (received[codes.actor_codes] > 0),
        lifetime_ns=lifetime_ns,
        is_short_lived=is_short_lived,
        first_seen_tables=tables,
    )


def _first_times(
    codes: RecordCodes, flags: RecordFlags, first_seen: Mapping[str, pd.DataFrame]
) -> tuple[dict[str, np.ndarray], dict[str, Callable[[], pd.DataFrame]]]:
    """Per first-seen table: each record's first time of its pair, and the table's builder."""
    t, a, actors = codes.times, codes.actor_codes, codes.actor_index
    firsts: dict[str, np.ndarray] = {}
    tables: dict[str, Callable[[], pd.DataFrame]] = {}  # built on demand

    def pairs(
        name: str,
        owner: np.ndarray,
        owner_index: pd.Index,
        keys: np.ndarray,
        key_index: pd.Index,
        owner_col: str = "actor_id",
    ) -> None:
        """First times of the (owner, key) pairs over history and data, under ``name``."""
        hist = first_seen.get(name)
        if hist is not None:
            _check_first_seen(name, hist, owner_col)
        firsts[name], tables[name] = _first_seen(
            owner, owner_index, keys, key_index, t, hist, owner_col
        )

    pairs("actor_network", a, actors, codes.network_codes, codes.network_index)
    # each actor's first record, to the nanosecond (a window table keeps only its window)
    pairs("actor", np.where(a >= 0, 0, -1), pd.Index([_ALL]), a, actors, "scope")
    pairs("actor_block", a, actors, codes.block_codes, codes.block_index)
    pairs("actor_action", a, actors, codes.action_codes, codes.action_index)
    wsc, ws_index = codes.workspace_codes, codes.workspace_index
    pairs("actor_workspace", a, actors, wsc, ws_index)
    # a workspace counts only if it existed before the window (someone used it earlier):
    # creating a workspace makes it new to its creator every day; entering one that
    # others already use is the lateral spread worth seeing
    pairs("workspace", np.where(wsc >= 0, 0, -1), pd.Index([_ALL]), wsc, ws_index, "scope")
    idc, netc = codes.identity_codes, codes.network_codes
    pairs("org_network", idc, codes.identity_index, netc, codes.network_index, "identity_id")
    # the first owner role an actor ever grants: admins grant owner routinely, someone
    # who never did before is stepping outside their usual authority
    owner_grants = np.where(flags.is_owner_grant, 0, -1)
    pairs("actor_owner_grant", a, actors, owner_grants, pd.Index([_OWNER_ROLE]))
    # who was made owner, and of what (a workspace, else the organisation): an account
    # given full control before it ever acted is how a backdoor is planted
    scope, scope_index, member, member_index = _owner_grantees(codes, flags)
    pairs("owner_grantee", scope, scope_index, member, member_index, "scope")
    # resource lifetimes: data.created_at, else the first *.create seen for the target
    creators = np.where(flags.is_create & (codes.target_codes >= 0), 0, -1)
    created = np.where(flags.is_create, codes.target_codes, -1)
    pairs("target_create", creators, pd.Index([_ALL]), created, codes.target_index, "scope")
    return firsts, tables


def _check_first_seen(name: str, table: pd.DataFrame, owner_col: str) -> None:
    """Refuse a profile's first-seen table that :func:`_first_seen` cannot have built."""
    columns = {owner_col, "key", "first_t"}
    if not columns <= set(table.columns) or table["first_t"].dtype.kind not in "iu":
        raise ValueError(
            f"the actor profile's first-seen table {name} is damaged (it needs the columns "
            f"{', '.join(sorted(columns))}, first_t whole nanoseconds); rebuild the profile "
            "with ActorProfile.from_events"
        )


def _actor_first(codes: RecordCodes, earlier_windows: pd.DataFrame | None) -> np.ndarray:
    """Start of each actor's first window (per actor code), from the profile's windows too."""
    actor_first = np.full(len(codes.actor_index), np.iinfo(np.int64).max, dtype=np.int64)
    if codes.n_records:
        np.minimum.at(actor_first, codes.actor_codes, codes.windows * codes.window_ns)
    if earlier_windows is not None and len(earlier_windows):
        first_win = earlier_windows.groupby("actor_id")["win"].min()
        pos = codes.actor_index.get_indexer(first_win.index)
        hit = pos >= 0
        actor_first[pos[hit]] = np.minimum(
            actor_first[pos[hit]], first_win.to_numpy()[hit] * codes.window_ns
        )
    return actor_first


def _owner_grantees(
    codes: RecordCodes, flags: RecordFlags
) -> tuple[np.ndarray, pd.Index, np.ndarray, pd.Index]:
    """Scope and member of each owner grant to someone else.

    The scope is the workspace, else the organisation, else ``*``. Returns codes (-1 on the
    other records) and the values they stand for.
    """
    n = codes.n_records
    scope = np.full(n, -1, dtype=np.int64)
    member = np.full(n, -1, dtype=np.int64)
    pos = np.flatnonzero(flags.is_owner_grant & ~flags.is_self_grant)
    pos = pos[pd.notna(flags.member[pos])]
    if not len(pos):
        return scope, pd.Index([], dtype=object), member, pd.Index([], dtype=object)
    wsc, idc = codes.workspace_codes[pos], codes.identity_codes[pos]
    where = np.full(len(pos), _ALL, dtype=object)  # a grant that names neither: one scope
    on_org = (wsc < 0) & (idc >= 0)
    where[on_org] = np.asarray(codes.identity_index, dtype=object)[idc[on_org]]
    where[wsc >= 0] = np.asarray(codes.workspace_index, dtype=object)[wsc[wsc >= 0]]
    scope[pos], scope_index = pd.factorize(pd.Series(where, dtype=object), sort=False)
    member[pos], member_index = pd.factorize(flags.member[pos], sort=False)
    return scope, pd.Index(scope_index, dtype=object), member, pd.Index(member_index, dtype=object)


def _owner_grants_received(
    codes: RecordCodes, first_t: np.ndarray, owner_grantee: Callable[[], pd.DataFrame]
) -> np.ndarray:
    """Per actor: owner grants to it (distinct scopes) in the days up to its first record."""
    out = np.zeros(len(codes.actor_index), dtype=np.float64)
    table = owner_grantee()
    if not len(table) or not len(codes.actor_index):
        return out
    pos = codes.actor_index.get_indexer(table["key"])
    hit = pos >= 0
    pos, t = pos[hit], table["first_t"].to_numpy(dtype=np.int64)[hit]
    first = first_t[pos]
    # they count on the UTC day of that record only (is_new_account_owner), so that an owner
    # onboarded in good faith weighs one day, not a week
    inside = (t <= first) & (t > first - NEW_ACCOUNT_DAYS * _NS_DAY)
    np.add.at(out, pos[inside], 1.0)
    return out


def _lifetimes(
    codes: RecordCodes,
    flags: RecordFlags,
    target_created_at: pd.Series,
    first_creates: Callable[[], pd.DataFrame],
    wstart: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Age (ns, -1 when unknown) of what each destructive record deletes, and short-lived."""
    t, tc = codes.times, codes.target_codes
    created_ns = np.full(codes.n_records, -1, dtype=np.int64)
    if target_created_at.notna().any():
        c = pd.DatetimeIndex(pd.to_datetime(target_created_at, utc=True)).as_unit("ns")
        created_ns = np.where(c.isna(), -1, c.asi8)
    tc_first = first_creates() if (created_ns < 0).any() else None
    if tc_first is not None and len(tc_first):
        lookup = pd.Series(tc_first["first_t"].to_numpy(), index=tc_first["key"].to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        tgt = np.asarray(codes.target_index, dtype=object)
        tgt_first = lookup.reindex(tgt).to_numpy() if len(tgt) else np.zeros(0)
        from_creates = np.where(
            tc >= 0,
            tgt_first[np.maximum(tc, 0)] if len(tgt_first) else np.nan,
            np.nan,
        )
        fill = (created_ns < 0) & ~np.isnan(from_creates)
        created_ns[fill] = from_creates[fill].astype(np.int64)
    life = np.where(
        flags.is_destructive & (created_ns >= 0) & (created_ns <= t), t - created_ns, -1
    )
    return life, (life >= 0) & (created_ns >= wstart)


def network_switches(
    codes: RecordCodes, novelty: HistoryFlags, earlier_last_event: pd.DataFrame | None
) -> NetworkSwitches:
    """Network changes between consecutive records of an actor (history-aware).

    Parameters
    ----------
    codes : RecordCodes
        The records' codes.
    novelty : HistoryFlags
        The records' novel networks and when the actor first used each record's network.
    earlier_last_event : DataFrame, optional
        A profile's last record with a network per actor (``actor_id, t, net``).

    Returns
    -------
    NetworkSwitches
    """
    n = codes.n_records
    is_switch = np.zeros(n, dtype=bool)
    gap_minutes = np.full(n, np.inf)
    is_novel_switch = np.zeros(n, dtype=bool)
    if not n:
        empty = pd.DataFrame({"actor_id": [], "t": [], "net": []})
        return NetworkSwitches(is_switch, gap_minutes, is_novel_switch, gap_minutes.copy(), empty)
    order = codes.time_order
    a_o, t_o, net_o = codes.actor_codes[order], codes.times[order], codes.network_codes[order]
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
    if earlier_last_event is not None and len(earlier_last_event):
        _previous_from_profile(codes, earlier_last_event, a_o, t_o, same_actor, prev_net, prev_t)
    changed = has & (prev_net != -1) & (net_o != prev_net)
    gap = np.maximum((t_o - prev_t) / _NS_MIN, 0.0)  # >= 0 whatever the input
    close = changed & (gap <= _SWITCH_MINUTES)
    is_switch[order] = close
    gap_minutes[order] = np.where(changed, gap, np.inf)
    # a novel network minutes apart from one the actor used before this window (its usual
    # one): the previous record in the data, or the profile's last, which is history
    wstart_o = codes.windows[order] * codes.window_ns
    first_o = novelty.network_first_ns[order]
    novel_o = novelty.is_novel_network[order]
    familiar = (first_o >= 0) & (first_o < wstart_o)
    prev_pos = np.maximum(prev_idx, 0)
    prev_familiar = np.where(
        same_actor, (first_o[prev_pos] >= 0) & (first_o[prev_pos] < wstart_o), True
    )
    prev_novel = same_actor & novel_o[prev_pos]
    novel_switch = close & ((novel_o & prev_familiar) | (prev_novel & familiar))
    is_novel_switch[order] = novel_switch
    novel_gap = np.full(n, np.inf)
    novel_gap[order] = np.where(novel_switch, gap, np.inf)
    last_event = _last_events(codes, a_o, t_o, net_o, last_idx, earlier_last_event)
    return NetworkSwitches(is_switch, gap_minutes, is_novel_switch, novel_gap, last_event)


def _previous_from_profile(
    codes: RecordCodes,
    earlier_last_event: pd.DataFrame,
    a_o: np.ndarray,
    t_o: np.ndarray,
    same_actor: np.ndarray,
    prev_net: np.ndarray,
    prev_t: np.ndarray,
) -> None:
    """Fill in place the previous network and time of records with none in the data."""
    le = earlier_last_event
    pos = codes.actor_index.get_indexer(le["actor_id"])
    hit = pos >= 0
    net = codes.network_index.get_indexer(le["net"])
    net = np.where(net >= 0, net, -2)  # a network absent from the data
    hist_net = np.full(len(codes.actor_index), -1, dtype=np.int64)
    hist_t = np.full(len(codes.actor_index), np.nan)
    hist_net[pos[hit]] = net[hit]
    hist_t[pos[hit]] = le["t"].to_numpy(dtype=np.float64)[hit]
    # before the actor's first network in the data, use the profile's last one, but
    # only when it lies in the record's past (a profile overlapping the data is not
    # history for the records it overlaps)
    no_prev = ~same_actor & (hist_t[a_o] <= t_o)
    prev_net[no_prev] = hist_net[a_o[no_prev]]
    prev_t[no_prev] = hist_t[a_o[no_prev]]


def _last_events(
    codes: RecordCodes,
    a_o: np.ndarray,
    t_o: np.ndarray,
    net_o: np.ndarray,
    last_idx: np.ndarray,
    earlier_last_event: pd.DataFrame | None,
) -> pd.DataFrame:
    """Last record with a network per actor (time and network), merged onto the profile's."""
    n = len(a_o)
    ends = np.r_[np.flatnonzero(a_o[1:] != a_o[:-1]), n - 1]
    li = last_idx[ends]
    keep = li >= 0
    keep[keep] = a_o[li[keep]] == a_o[ends[keep]]
    li = li[keep]
    last_event = pd.DataFrame(
        {
            "actor_id": np.asarray(codes.actor_index, dtype=object)[a_o[li]],
            "t": t_o[li],
            "net": np.asarray(codes.network_index, dtype=object)[net_o[li]],
        }
    )
    if earlier_last_event is not None and len(earlier_last_event):
        last_event = (
            pd.concat([earlier_last_event, last_event], ignore_index=True)
            .sort_values("t", kind="stable")
            .groupby("actor_id", sort=False)
            .tail(1)
            .reset_index(drop=True)
        )
    return last_event


def flag_frame(
    records: Records,
    is_off_hours: np.ndarray,
    is_grown_type: np.ndarray,
    is_sustained_type: np.ndarray,
) -> pd.DataFrame:
    """Per-record flags aligned to the events index (``catalog.FLAG_COLUMNS``).

    Parameters
    ----------
    records : Records
        The records' codes and flags.
    is_off_hours : ndarray
        Per record: outside the hours its actor was usually active before the window.
    is_grown_type, is_sustained_type : ndarray
        Per record: of the action type whose trailing, or sustained, growth was the largest
        in its window.

    Returns
    -------
    DataFrame
    """
    flags, novelty, switches = records.flags, records.history_flags, records.switches
    return pd.DataFrame(
        {
            "is_destructive": flags.is_destructive,
            "is_failure": flags.is_failure,
            "is_org_management": flags.is_org_management,
            "is_member_add": flags.is_member_add,
            "is_billing": flags.is_billing,
            "is_new_network": novelty.is_new_network,
            "is_novel_network": novelty.is_novel_network,
            "is_new_action": novelty.is_new_action,
            "is_new_workspace": novelty.is_new_workspace,
            "is_off_hours": is_off_hours,
            "is_weekend": flags.is_weekend,
            "is_network_switch": switches.is_switch,
            "is_novel_network_switch": switches.is_novel_switch,
            "is_short_lived": novelty.is_short_lived,
            "is_mismatch": flags.is_mismatch,
            "is_self_grant": flags.is_self_grant,
            "is_billing_novel_network": novelty.is_billing_novel,
            "is_new_owner_grant": novelty.is_new_owner_grant,
            "is_self_owner_grant": novelty.is_self_owner_grant,
            "is_new_account_owner": novelty.is_new_account_owner,
            "is_connection_create": flags.is_connection_create,
            "is_pipeline_run": flags.is_pipeline_run,
            "is_hand_made": ~flags.has_process,
            "is_grown_type": is_grown_type,
            "is_sustained_type": is_sustained_type,
            "is_public_share": flags.is_public_share,
        },
        index=records.codes.index,
    )
