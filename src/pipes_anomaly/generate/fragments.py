"""Pre-serialised JSON fragments per actor, user, organisation, resource, action and extras.

Rendering joins these by index, so each actor's, user's or resource's JSON is
written once however many records name it.  Resource ids and handles are drawn
here (ids stream).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly.generate.builder import IpTable, Organisation, ResourceTable, Users
from pipes_anomaly.generate.config import DAY
from pipes_anomaly.generate.encode import fixed_width, iso, iso_one, json_str, rand_ids
from pipes_anomaly.generate.vocabulary import (
    ACTIONS,
    EXTRA_FRAGS,
    HANDLE_WORDS,
    KIND_ID,
    KIND_PREFIX,
    KINDS,
    TENANT,
    state_frag,
)

#: where Pipes serves avatars
AVATAR_API = "https://pipes.turbot.com/api/v0/identity"
#: avatar versions, account update delays (days) and record versions cycle by actor
_AVATAR_VERSIONS, _UPDATE_DAYS, _VERSIONS = 7, 40, 9
#: invited users' accounts were made this many days before the timeline, cycling by user
_INVITEE_AGE_DAYS = (30, 600)
#: numbers that follow a resource handle's word (range)
_HANDLE_NUMBERS = (1, 100)
#: handle words drawn per resource, reduced modulo its kind's word count
_WORD_DRAWS = 1000


def fragments(
    org: Organisation,
    users: Users,
    ips: IpTable,
    table: ResourceTable,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """Return every fragment a record is joined from, by name.

    ``updated_by`` has one more entry than there are users: the empty fragment of
    records that carry no ``data.updated_by``.
    """
    frags = _actor_fragments(org)
    frags.update(_user_fragments(org, users))
    frags.update(_org_fragments(org))
    frags.update(_resource_fragments(org, users, table, rng))
    frags.update(
        {
            "action": _frag_array([f'"action_type":"{x}"' for x in ACTIONS]),
            "action_name": _frag_array(list(ACTIONS)),
            "state": _frag_array([state_frag(x) for x in ACTIONS]),
            "extra": _frag_array(EXTRA_FRAGS),
            "ip": _frag_array(ips.ip),
            "carries_updated_by": pa.array(org.actions.updated_by),
        }
    )
    return frags


def _frag_array(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _avatar(handle: str, i: int) -> str:
    return f"{AVATAR_API}/{handle}/avatar?v={1 + i % _AVATAR_VERSIONS}"


def _actor_fragments(org: Organisation) -> dict[str, pa.Array]:
    """Build the actor fields and ``tp_usernames`` of each actor."""
    actor_frag, tpu_frag, plain = [], [], {"id": [], "h": [], "n": [], "u": []}
    for row in org.actors.itertuples():
        avatar = _avatar(row.handle, row.Index)
        actor_frag.append(
            f'"actor_id":"{row.actor_id}","actor_handle":"{row.handle}",'
            f'"actor_display_name":{json_str(row.display_name)},"actor_avatar_url":"{avatar}"'
        )
        tpu_frag.append(f'"tp_usernames":["{row.handle}","{row.actor_id}"]')
        plain["id"].append(row.actor_id)
        plain["h"].append(row.handle)
        plain["n"].append(row.display_name)
        plain["u"].append(avatar)
    return {
        "actor": _frag_array(actor_frag),
        "tpu": _frag_array(tpu_frag),
        "actor_id": _frag_array(plain["id"]),
        "actor_handle": _frag_array(plain["h"]),
        "actor_display_name": _frag_array(plain["n"]),
        "actor_avatar_url": _frag_array(plain["u"]),
    }


def _user_fragments(org: Organisation, users: Users) -> dict[str, pa.Array]:
    """Build the ``created_by`` and ``updated_by`` fields naming each user (actors first)."""
    created = org.actors["created_ts"].tolist()
    lo, hi = _INVITEE_AGE_DAYS
    created += [org.t0 - DAY * (lo + (i * 37) % (hi - lo)) for i in range(len(created),
                len(users.ids))]  # fmt: skip
    creator, updater = [], []
    for i, (uid, handle, name) in enumerate(zip(users.ids, users.handles, users.names,
                                                strict=True)):  # fmt: skip
        updated = created[i] + DAY * (3 + i % _UPDATE_DAYS)
        user = (
            f'{{"id":"{uid}","handle":"{handle}","display_name":{json_str(name)},'
            f'"avatar_url":"{_avatar(handle, i)}","status":"accepted",'
            f'"created_at":"{iso_one(created[i])}","updated_at":"{iso_one(updated)}",'
            f'"version_id":{2 + i % _VERSIONS}}}'
        )
        creator.append(f',"created_by_id":"{uid}","created_by":{user}')
        updater.append(f',"updated_by_id":"{uid}","updated_by":{user}')
    return {"created_by": _frag_array(creator), "updated_by": _frag_array([*updater, ""])}


def _org_fragments(org: Organisation) -> dict[str, pa.Array]:
    """Build the identity fields of each organisation, and its id and handle."""
    org_frag = [
        f'"identity_id":"{o}","identity_handle":"{h}","tenant_id":"{TENANT}"'
        for o, h in zip(org.org_id, org.org_handle, strict=True)
    ]
    return {
        "org": _frag_array(org_frag),
        "org_id": _frag_array(list(org.org_id)),
        "org_handle": _frag_array(list(org.org_handle)),
    }


def _resource_fragments(
    org: Organisation, users: Users, table: ResourceTable, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """Target fields and ``data`` head of each resource, its id, handle and organisation."""
    rid, rhandle = _resource_names(org, users, table, rng)
    parent = table.parent
    has_ws = pa.array(parent >= 0)
    pidx = pa.array(np.maximum(parent, 0))
    ws = pc.if_else(
        has_ws,
        pc.binary_join_element_wise(
            ',"workspace_id":"', pc.take(rid, pidx), '","workspace_handle":"',
            pc.take(rhandle, pidx), '"', "",
        ),
        pa.scalar(""),
    )  # fmt: skip
    row_org = pa.array(np.array(org.team_org)[table.group])
    org_ids = pa.array(list(org.org_id))
    target_frag = pc.binary_join_element_wise(
        '"target_id":"', rid, '","target_handle":"', rhandle, '"', ""
    )
    # a membership's data names its member, as the API's membership objects do
    is_member = pa.array(np.isin(table.kind, [KIND_ID["member"], KIND_ID["wsmember"]]))
    member = pc.if_else(
        is_member,
        pc.binary_join_element_wise(',"user_id":"', rid, '","user_handle":"', rhandle, '"', ""),
        pa.scalar(""),
    )
    tdata_frag = pc.binary_join_element_wise(
        '{"id":"', rid, '","handle":"', rhandle, '","identity_id":"', pc.take(org_ids, row_org),
        '"', ws, member, ',"created_at":"', iso(table.created), '"', "",
    )  # fmt: skip
    return {
        "target": target_frag,
        "target_id": rid,
        "target_handle": rhandle,
        "tdata": tdata_frag,
        "res_org": row_org,
    }


def _resource_names(
    org: Organisation, users: Users, table: ResourceTable, rng: np.random.Generator
) -> tuple[pa.Array, pa.Array]:
    """Id and handle of each resource: the user's or organisation's, else drawn for its kind."""
    n_rows = table.n_rows
    kind = table.kind.astype(np.int64)
    ref = np.maximum(table.ref, 0)
    body = fixed_width(b"", rand_ids(rng, n_rows))
    words = rng.integers(0, _WORD_DRAWS, n_rows)
    nums = pc.cast(pa.array(rng.integers(*_HANDLE_NUMBERS, n_rows)), pa.string())
    prefix = pa.array([KIND_PREFIX[k] for k in KINDS])
    flat_words = [w for k in KINDS for w in HANDLE_WORDS[k]]
    w_off = np.cumsum([0] + [len(HANDLE_WORDS[k]) for k in KINDS])[:-1]
    w_cnt = np.array([len(HANDLE_WORDS[k]) for k in KINDS])
    word = pc.take(pa.array(flat_words), pa.array(w_off[kind] + words % w_cnt[kind]))
    sep = pc.take(pa.array(["-" if k == "workspace" else "_" for k in KINDS]), pa.array(kind))
    is_user = pa.array(np.isin(kind, [KIND_ID["member"], KIND_ID["wsmember"]]))
    is_org = pa.array(kind == KIND_ID["org"])
    uref = pa.array(np.minimum(ref, len(users.ids) - 1))
    oref = pa.array(np.minimum(ref, len(org.org_id) - 1))
    rid = pc.if_else(
        is_user,
        pc.take(pa.array(users.ids), uref),
        pc.if_else(
            is_org,
            pc.take(pa.array(list(org.org_id)), oref),
            pc.binary_join_element_wise(pc.take(prefix, pa.array(kind)), body, ""),
        ),
    )
    rhandle = pc.if_else(
        is_user,
        pc.take(pa.array(users.handles), uref),
        pc.if_else(
            is_org,
            pc.take(pa.array(list(org.org_handle)), oref),
            pc.binary_join_element_wise(word, sep, nums, ""),
        ),
    )
    return rid, rhandle
