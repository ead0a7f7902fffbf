"""Give every event a target resource consistent with resource lifecycles (target stream).

A ``*.create`` makes a resource, a delete removes an existing one (routine
deletes pick resources at least a week old, oldest-eligible pools per team and
kind), every other action touches a live resource, mostly of the actor's own
team (and, as ``team_sharing`` says, often one the actor created itself);
sign-ins and other "self" actions target the actor's own membership.  Some
in-workspace creations fill the team's newest workspace, which then stays.
Events that find no target are dropped.  Each event then learns who created its
target: that is what ``data.created_by`` names.
"""

from __future__ import annotations

import bisect

import numpy as np

from pipes_anomaly.generate.builder import Organisation, Resources, ResourceTable, Users
from pipes_anomaly.generate.config import DAY
from pipes_anomaly.generate.vocabulary import (
    ACTION_KIND,
    ACTION_VERB,
    CREATE,
    DELETE,
    IN_WORKSPACE,
    KIND_ID,
    KINDS,
    SELF_ACTION,
)

#: deletion time of a resource that is never deleted
_NO_DELETE = np.iinfo(np.int64).max
#: share of in-workspace creations that go into the team's newest workspace
_NEW_WS_SHARE = 0.12
#: a team's newest workspace is filled only this long after it was made (seconds)
_NEW_WS_WINDOW = 21 * DAY
#: a delete with no resource old enough takes one at least this old (seconds)
_YOUNG_DELETE_AGE = 600
#: a touch draws this many times for a live resource before the core fallback
_TOUCH_TRIES = 6
#: keys pack (team, kind) above a time in seconds: bits of the lower part
_SHIFT = 32
_HIGH = 1 << _SHIFT
#: touch keys count time from this long before the timeline (seconds)
_KEY_EPOCH_BEFORE = 5 * 365 * DAY


def assign_targets(
    ev: dict[str, np.ndarray],
    org: Organisation,
    res: Resources,
    users: Users,
    rng: np.random.Generator,
    rng_inj: np.random.Generator,
    *,
    team_sharing: float = 1.0,
    rng_owner: np.random.Generator | None = None,
) -> tuple[dict[str, np.ndarray], ResourceTable]:
    """Sort events by time and give each a target; return them and every resource row.

    Creations add rows to ``res`` (members invite users from ``rng_inj``); events
    without a possible target are dropped.  Below ``team_sharing`` 1, a share of
    people's touches first look for a resource the actor created (``rng_owner``).
    The returned events carry ``creator``: the user who created the target.
    """
    order = np.lexsort((np.arange(ev["ts"].size), ev["ts"]))
    ev = {k: v[order] for k, v in ev.items()}
    _self_targets(ev, res)
    kind = ACTION_KIND[ev["action"]].astype(np.int64)
    verb = ACTION_VERB[ev["action"]]
    _create(ev, kind, verb, org, res, users, rng, rng_inj)
    table = res.freeze()
    deleted = np.full(table.n_rows, _NO_DELETE, dtype=np.int64)
    for row, t in res.explicit_deleted.items():  # scenario resources carry their own
        deleted[row] = t
    _record_creators(ev, verb, table, org)
    row_key = table.group * len(KINDS) + table.kind
    drop = _delete(ev, kind, verb, table, row_key, deleted, rng)
    if team_sharing < 1 and rng_owner is not None:
        _touch_own(ev, kind, drop, table, deleted, org, 1.0 - team_sharing, rng_owner)
    _touch(ev, kind, drop, table, row_key, deleted, org.t0, rng)
    drop |= ev["target"] < 0
    keep = ~drop
    target = ev["target"]
    ev = {k: v[keep] for k, v in ev.items()}
    ev["target"] = target[keep]
    ev["creator"] = table.creator[ev["target"]].astype(np.int32)
    return ev, table


def _self_targets(ev: dict[str, np.ndarray], res: Resources) -> None:
    """Point sign-ins and other "self" actions at the actor's own membership."""
    own = SELF_ACTION[ev["action"]] & (ev["target"] < 0)
    ev["target"][own] = res.member_row[ev["actor"][own]]


def _record_creators(ev: dict[str, np.ndarray], verb: np.ndarray, table: ResourceTable,
                     org: Organisation) -> None:  # fmt: skip
    """Each row's creator: whom its create event names; a team member if none does."""
    cre = np.flatnonzero((verb == CREATE) & (ev["target"] >= 0))
    unset = table.creator[ev["target"][cre]] < 0
    table.creator[ev["target"][cre[unset]]] = ev["by"][cre[unset]]
    for row in np.flatnonzero(table.creator < 0):
        table.creator[row] = org.team_members[int(table.group[row])][0]


def _create(ev: dict[str, np.ndarray], kind: np.ndarray, verb: np.ndarray, org: Organisation,
            res: Resources, users: Users, rng: np.random.Generator,
            rng_inj: np.random.Generator) -> None:  # fmt: skip
    """One new resource row per create event without an explicit target."""
    target = ev["target"]
    cre = np.flatnonzero((verb == CREATE) & (target < 0))
    base = res.n_rows
    k_c = kind[cre]
    g_c = ev["group"][cre].astype(np.int64)  # packed above 32 bits of time in keys
    parent = _creation_parents(ev, cre, k_c, g_c, base, org, res, rng)
    ref = ev["ref"][cre].copy()
    new_member = np.flatnonzero((ref < 0) & (k_c == KIND_ID["member"]))
    ref[new_member] = users.invite(rng_inj, np.array(org.team_org)[g_c[new_member]])
    ws_m = np.flatnonzero((ref < 0) & (k_c == KIND_ID["wsmember"]))
    ws_days = (ev["ts"][cre[ws_m]] - org.t0) // DAY
    ref[ws_m] = _workspace_members(org, g_c[ws_m], parent[ws_m], ev["actor"][cre[ws_m]],
                                   ws_days, _memberships(res, k_c, parent, ref), rng)  # fmt: skip
    res.extend_created(k_c, g_c, ev["ts"][cre], parent, ref, ev["by"][cre])
    target[cre] = base + np.arange(cre.size)


def _memberships(res: Resources, k_c: np.ndarray, parent: np.ndarray,
                 ref: np.ndarray) -> set[tuple[int, int]]:  # fmt: skip
    """Return the ``(workspace, user)`` pairs of the workspace memberships made so far.

    Those of the new rows whose member is already named count too.
    """
    c = res.cols
    kinds, ws_member = np.asarray(c["kind"]), KIND_ID["wsmember"]
    rows = np.flatnonzero(kinds == ws_member)
    out = {(int(c["parent"][r]), int(c["ref"][r])) for r in rows}
    named = (k_c == ws_member) & (ref >= 0)
    out.update(zip(parent[named].tolist(), ref[named].tolist(), strict=True))
    return out


def _creation_parents(ev: dict[str, np.ndarray], cre: np.ndarray, k_c: np.ndarray,
                      g_c: np.ndarray, base: int, org: Organisation, res: Resources,
                      rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Workspace of each creation: given, a core workspace of its team, or the newest one.

    Some go into the team's newest workspace (made in the last three weeks), which
    then holds content and is kept: new workspaces are not all empty shells.
    """
    parent = ev["parent"][cre].copy()
    need_parent = (parent < 0) & np.isin(k_c, [KIND_ID[k] for k in IN_WORKSPACE])
    core_ws = np.array([res.core_ws[g] for g in range(org.n_teams)])
    parent = np.where(
        need_parent, core_ws[g_c, rng.integers(0, core_ws.shape[1], cre.size)], parent
    )
    new_ws = np.flatnonzero(k_c == KIND_ID["workspace"])
    t_c = ev["ts"][cre] - org.t0
    return _fill_newest(parent, need_parent, new_ws, g_c, t_c, base, rng)


def _fill_newest(parent: np.ndarray, need_parent: np.ndarray, new_ws: np.ndarray,
                 g_c: np.ndarray, t_c: np.ndarray, base: int,
                 rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Put a share of parentless creations into their team's workspace made just before."""
    fill = np.flatnonzero(need_parent & (rng.random(need_parent.size) < _NEW_WS_SHARE))
    if new_ws.size and fill.size:
        ws_key = g_c[new_ws] * _HIGH + t_c[new_ws]
        o = np.argsort(ws_key, kind="stable")
        ws_key, new_ws = ws_key[o], new_ws[o]
        j = np.searchsorted(ws_key, g_c[fill] * _HIGH + t_c[fill], side="left") - 1
        jj = np.maximum(j, 0)
        ok = (j >= 0) & (ws_key[jj] >> _SHIFT == g_c[fill])
        ok &= t_c[fill] - (ws_key[jj] & (_HIGH - 1)) <= _NEW_WS_WINDOW
        parent[fill[ok]] = base + new_ws[jj[ok]]
    return parent


def _workspace_members(org: Organisation, teams: np.ndarray, workspaces: np.ndarray,
                       actors: np.ndarray, days: np.ndarray, taken: set[tuple[int, int]],
                       rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Pick whom each new workspace membership names: someone at work, new to the workspace.

    A member of the owning team employed that day and not yet a member of the workspace if
    one is left, else such a member of its organisation, else the actor.
    ``taken`` holds the ``(workspace, user)`` pairs already made and grows with each pick.
    """
    u = rng.random(teams.size)
    out = actors.astype(np.int64).copy()
    orgs = np.asarray(org.team_org)
    for i, (g, w, d) in enumerate(zip(teams.tolist(), workspaces.tolist(), days.tolist(),
                                      strict=True)):  # fmt: skip
        for group in ([g], np.flatnonzero(orgs == orgs[g]).tolist()):
            mem = np.concatenate([np.asarray(org.team_members.get(x, ()), dtype=np.int64)
                                  for x in group])  # fmt: skip
            mem = mem[(org.active_from[mem] <= d) & (org.active_to[mem] >= d)]
            mem = mem[[(w, int(m)) not in taken for m in mem]] if mem.size else mem
            if mem.size:
                out[i] = mem[int(u[i] * mem.size)]
                break
        taken.add((w, int(out[i])))
    return out


def _delete(ev: dict[str, np.ndarray], kind: np.ndarray, verb: np.ndarray,
            table: ResourceTable, row_key: np.ndarray, deleted: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Target of each delete without one, in time order; return which deletes found none.

    Each (team, kind) keeps a pool of deletable rows by creation time; a delete
    takes a random one old enough (``min_age``, else ten minutes).
    """
    pools = _deletable_pools(table, row_key)
    target = ev["target"]
    dels = np.flatnonzero((verb == DELETE) & (target < 0))
    keys = (ev["group"][dels] * len(KINDS) + kind[dels]).tolist()
    u = rng.random(dels.size).tolist()
    drop = np.zeros(ev["ts"].size, dtype=bool)
    ts_l = ev["ts"][dels].tolist()
    age_l = ev["min_age"][dels].tolist()
    for i, e in enumerate(dels.tolist()):
        p = pools.get(keys[i])
        t = ts_l[i]
        if p is None:
            drop[e] = True
            continue
        m = bisect.bisect_right(p[0], t - age_l[i])
        if m == 0:
            m = bisect.bisect_right(p[0], t - _YOUNG_DELETE_AGE)
        if m == 0:
            drop[e] = True
            continue
        j = int(u[i] * m)
        p[0].pop(j)
        row = p[1].pop(j)
        deleted[row] = t
        target[e] = row
    return drop


def _deletable_pools(
    table: ResourceTable, row_key: np.ndarray
) -> dict[int, tuple[list[int], list[int]]]:
    """Creation times and rows of the deletable resources per (team, kind), oldest first.

    Core, explicit, workspace-membership and organisation rows are never deleted,
    nor is a workspace with content.
    """
    kept_kinds = [KIND_ID["wsmember"], KIND_ID["org"]]
    deletable = ~table.core & ~table.explicit & ~np.isin(table.kind, kept_kinds)
    deletable[table.parent[table.parent >= 0]] = False
    pools: dict[int, tuple[list[int], list[int]]] = {}
    cand = np.flatnonzero(deletable)
    cand = cand[np.lexsort((cand, table.created[cand], row_key[cand]))]
    cuts = np.flatnonzero(np.diff(row_key[cand])) + 1
    for rows in np.split(cand, cuts):
        if rows.size:
            pools[int(row_key[rows[0]])] = (table.created[rows].tolist(), rows.tolist())
    return pools


def _touch(ev: dict[str, np.ndarray], kind: np.ndarray, drop: np.ndarray,
           table: ResourceTable, row_key: np.ndarray, deleted: np.ndarray, t0: int,
           rng: np.random.Generator) -> None:  # fmt: skip
    """Target of every other event: a live resource of its (team, kind), recent ones more often.

    Falls back to the first core resource of the (team, kind), else -1 (dropped).
    """
    target = ev["target"]
    oth = np.flatnonzero(target < 0)
    oth = oth[~drop[oth]]
    srt = np.lexsort((np.arange(table.n_rows), table.created, row_key))
    base_t = t0 - _KEY_EPOCH_BEFORE
    comp = row_key[srt] * _HIGH + (table.created[srt] - base_t)
    okey = ev["group"][oth] * len(KINDS) + kind[oth]
    ot = ev["ts"][oth]
    lo = np.searchsorted(comp, okey * _HIGH)
    hi = np.searchsorted(comp, okey * _HIGH + (ot - base_t), side="left")
    cnt = hi - lo
    pick = np.full(oth.size, -1, dtype=np.int64)
    live = np.flatnonzero(cnt > 0)
    for _ in range(_TOUCH_TRIES):
        if live.size == 0:
            break
        idx = lo[live] + np.minimum(
            cnt[live] - 1, (cnt[live] * np.sqrt(rng.random(live.size))).astype(np.int64)
        )
        row = srt[idx]
        ok = (deleted[row] > ot[live]) & ~table.explicit[row]
        pick[live[ok]] = row[ok]
        live = live[~ok]
    core_rows = np.flatnonzero(table.core & (deleted == _NO_DELETE))
    uk, first = np.unique(row_key[core_rows], return_index=True)
    core_of = dict(zip(uk.tolist(), core_rows[first].tolist(), strict=True))
    for i in np.flatnonzero(pick < 0):
        pick[i] = core_of.get(int(okey[i]), -1)
    target[oth] = pick


def _touch_own(ev: dict[str, np.ndarray], kind: np.ndarray, drop: np.ndarray,
               table: ResourceTable, deleted: np.ndarray, org: Organisation, share: float,
               rng: np.random.Generator) -> None:  # fmt: skip
    """Give a ``share`` of people's own-team touches a live resource the actor created.

    Rows are keyed by (creator, kind) and searched like ``_touch`` does; touches
    that find none are left to it.
    """
    target = ev["target"]
    actor = ev["actor"]
    cand = (target < 0) & ~drop & ~org.a_bot[actor] & (ev["group"] == org.a_team[actor])
    oth = np.flatnonzero(cand & (rng.random(target.size) < share))
    if oth.size == 0:
        return
    mine = np.flatnonzero(~table.explicit & (table.creator >= 0))
    key = table.creator[mine].astype(np.int64) * len(KINDS) + table.kind[mine]
    order = np.lexsort((mine, table.created[mine], key))
    srt, key = mine[order], key[order]
    base_t = org.t0 - _KEY_EPOCH_BEFORE
    comp = key * _HIGH + (table.created[srt] - base_t)
    okey = actor[oth].astype(np.int64) * len(KINDS) + kind[oth]
    ot = ev["ts"][oth]
    lo = np.searchsorted(comp, okey * _HIGH)
    hi = np.searchsorted(comp, okey * _HIGH + (ot - base_t), side="left")
    live = np.flatnonzero(hi > lo)
    for _ in range(_TOUCH_TRIES):
        if live.size == 0:
            break
        cnt = hi[live] - lo[live]
        row = srt[lo[live] + (cnt * rng.random(live.size)).astype(np.int64)]
        ok = deleted[row] > ot[live]
        target[oth[live[ok]]] = row[ok]
        live = live[~ok]
