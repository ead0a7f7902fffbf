"""The simulated world, and :func:`simulate`: the steps in order, then the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from pipes_anomaly.generate.activity import base_events
from pipes_anomaly.generate.builder import (
    IpTable,
    Organisation,
    Resources,
    Streams,
    Users,
    add_tokens,
    assign_creators,
    draw_action_set,
    make_organisation,
    make_resources,
)
from pipes_anomaly.generate.config import DAY, GenerateConfig, day_date
from pipes_anomaly.generate.encode import fixed_width, iso, rand_ids
from pipes_anomaly.generate.fragments import fragments
from pipes_anomaly.generate.inject import Injector
from pipes_anomaly.generate.lookalikes import (
    inject_churn,
    inject_lookalikes,
    inject_new_hires,
    move_travellers,
    reserve_new_hires,
)
from pipes_anomaly.generate.mimics import inject_mimics, reserve_contractors
from pipes_anomaly.generate.persistent import inject_persistent, reserve_persistent
from pipes_anomaly.generate.plan import Planner
from pipes_anomaly.generate.scenarios import inject_incidents, reserve_backdoors, reserve_dormant
from pipes_anomaly.generate.sharing import (
    choose_visibility,
    incident_chances,
    lookalike_chances,
    share_habits,
)
from pipes_anomaly.generate.targets import assign_targets
from pipes_anomaly.generate.turnover import inject_leavers, reserve_leavers
from pipes_anomaly.generate.vocabulary import (
    ACTION_ID,
    ACTION_VERB,
    ACTIONS,
    BOT_PROVISIONING,
    CREATE,
    EXTRA_COUNT,
    EXTRA_CUM,
    EXTRA_OFFSET,
    N_REAL_ACTIONS,
    PLATFORM_TASKS,
    ROLES,
)
from pipes_anomaly.schema import LOOKALIKES, SCENARIOS

#: versions of a record of an existing resource (range; a creation is version 1)
_VERSIONS = (2, 60)
#: a bot's provisioning record is made by hand at least this often
_PROVISION_BY_HAND = 0.5
#: which action types are provisioning
_IS_PROVISIONING = np.isin(np.arange(len(ACTIONS)), [ACTION_ID[a] for a in BOT_PROVISIONING])
#: which action types are tasks the platform runs as processes
_IS_TASK = np.isin(np.arange(len(ACTIONS)), [ACTION_ID[a] for a in PLATFORM_TASKS])


@dataclass
class World:
    """A simulated world: columnar events sorted by time, plus ground truth.

    Attributes
    ----------
    config : GenerateConfig
        The parameters it was made from.
    events : dict of str to numpy.ndarray
        One entry per record, sorted by ``ts`` then insertion order: ``ts`` (Unix
        seconds), ``actor``, ``by`` (user the record says acted: ``data.created_by``
        on a create, ``data.updated_by`` where carried; the actor unless forged),
        ``creator`` (user who created the target: ``data.created_by``),
        ``action`` (index into ``vocabulary.ACTIONS``: the 51 real types, then
        newer ones), ``target`` (resource row),
        ``ip`` (index into ``ips``), ``extra``, ``version``, ``scenario`` (index
        into ``schema.SCENARIOS`` or -1), ``incident`` (-1 when benign),
        ``lookalike`` (index into ``schema.LOOKALIKES`` or -1), ``rid`` and
        ``tpid`` (20-character ids as bytes), ``proc`` (process id body), ``manual`` (1:
        made by hand, no process id).
    actors : pandas.DataFrame
        Ground-truth actor metadata (``actor_id, handle, display_name, org,
        team, role, kind, tz_offset_min, business_start, business_end, ...``).
    ips : pandas.DataFrame
        ``ip, kind`` for every address used.
    labels, window_labels, lookalikes : pandas.DataFrame
        The ground-truth tables of ``docs/design.md`` section 6.
    manifest : dict
        Seed, parameters, periods and counts.
    """

    config: GenerateConfig
    events: dict[str, np.ndarray]
    actors: pd.DataFrame
    ips: pd.DataFrame
    labels: pd.DataFrame
    window_labels: pd.DataFrame
    lookalikes: pd.DataFrame
    manifest: dict
    _frags: dict[str, pa.Array] = field(default_factory=dict, repr=False)

    @property
    def n_records(self) -> int:
        """Number of records in the world."""
        return int(self.events["ts"].size)

    def split_index(self) -> int:
        """Index of the first test-period record."""
        return int(np.searchsorted(self.events["ts"], self.config.split_ts, side="left"))


def simulate(config: GenerateConfig) -> World:
    """Simulate a world: benign activity, injected incidents and look-alikes.

    Parameters
    ----------
    config : GenerateConfig
        World parameters; ``config.seed`` drives every random choice.

    Returns
    -------
    World
        Events sorted by time with ground truth (labels, window labels,
        look-alikes, manifest).  The same config gives an identical world.
    """
    cfg = config
    rng = Streams.from_seed(cfg.seed)
    ips, users = IpTable(rng.ip), Users()
    org = make_organisation(cfg, rng.actor, ips, users, draw_action_set(cfg, rng.world),
                            rng.owner)  # fmt: skip
    plan = Planner(cfg, org, rng.plan)
    dormant = reserve_dormant(cfg, plan)
    reserve_backdoors(cfg, plan)
    new_hires = reserve_new_hires(cfg, plan)
    reserve_contractors(cfg, plan)
    attackers = reserve_persistent(cfg, plan)
    leavers = reserve_leavers(cfg, plan)
    res = _resources(org, users, rng)
    inj = Injector(org, res, users, ips, rng.inj, shared_egress=cfg.shared_egress,
                   rng_net=rng.net)  # fmt: skip
    incidents = inject_incidents(cfg, plan, inj, dormant, rng.extra)
    inject_new_hires(plan, inj, new_hires, cfg.lookalikes)
    trips = inject_lookalikes(cfg, plan, inj) if cfg.lookalikes else []
    if cfg.lookalikes:
        inject_mimics(cfg, plan, inj)
    inject_persistent(cfg, plan, inj, attackers, incidents)
    inject_leavers(plan, inj, leavers)
    inject_churn(cfg, inj, rng.churn)
    ev = base_events(cfg, org, ips, new_hires if cfg.lookalikes else [], rng)
    ev = move_travellers(ev, trips, org.t0, rng.plan)
    ev = inj.append_to(ev, org.t0, cfg.end_ts)
    ev, table = assign_targets(ev, org, res, users, rng.target, rng.inj,
                               team_sharing=cfg.team_sharing, rng_owner=rng.owner)  # fmt: skip
    task_hand = np.where(org.actors["kind"].to_numpy() == "human",
                         1.0 - cfg.person_task_process_share, 1.0)  # fmt: skip
    _finish_columns(ev, org.actors["hand_share"].to_numpy(), task_hand, rng.ids)
    is_bot = org.actors["kind"].to_numpy() == "bot"
    choose_visibility(ev, share_habits(is_bot, cfg.sharer_share, rng.share),
                      incident_chances(incidents, cfg.intruder_sharing),
                      lookalike_chances(cfg.intruder_sharing), rng.share)  # fmt: skip
    frags = fragments(org, users, ips, table, rng.ids)
    truth = _ground_truth(cfg, org, ev, incidents)
    return World(
        config=cfg,
        events=ev,
        actors=_actors_table(cfg, org),
        ips=pd.DataFrame({"ip": ips.ip, "kind": ips.kind}),
        labels=truth.labels,
        window_labels=truth.window_labels,
        lookalikes=truth.lookalikes,
        manifest=_manifest(cfg, org, ev, truth, incidents),
        _frags=frags,
    )


def _resources(org: Organisation, users: Users, rng: Streams) -> Resources:
    """Pre-existing resources with their creators (and tokens where the API has them)."""
    res = make_resources(org, users, rng.actor, rng.inj)
    if org.actions.has("user.token.create"):
        add_tokens(org, res, rng.owner)
    assign_creators(org, res, rng.owner)
    return res


def _finish_columns(
    ev: dict[str, np.ndarray],
    hand_share: np.ndarray,
    task_hand: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Draw extras, versions, ids and which records were made by hand (ids stream).

    A record is made by hand (no process id) when it was written so, or by its actor's
    habit (``hand_share``: 1 for people and token-run bots; a provisioning record at least
    :data:`_PROVISION_BY_HAND`; a platform task at most ``task_hand``, which is below 1
    for people only).  The columns only targets needed are dropped.
    """
    n = ev["ts"].size
    act = ev["action"]
    u = rng.random(n)
    flat = np.concatenate([c + i for i, c in enumerate(EXTRA_CUM)])
    pos = np.searchsorted(flat, act.astype(np.float64) + u, side="right")
    extra = np.minimum(pos, EXTRA_OFFSET[act] + EXTRA_COUNT[act] - 1)
    extra = np.maximum(extra, EXTRA_OFFSET[act])
    ev["extra"] = np.where(ev["extra"] >= 0, ev["extra"], extra).astype(np.int32)
    verb = ACTION_VERB[act]
    ev["version"] = np.where(verb == CREATE, 1, rng.integers(*_VERSIONS, n)).astype(np.int32)
    ev["rid"] = rand_ids(rng, n)
    ev["tpid"] = rand_ids(rng, n)
    ev["proc"] = rand_ids(rng, n)
    habit = hand_share[ev["actor"]]
    habit = np.where(_IS_PROVISIONING[act], np.maximum(habit, _PROVISION_BY_HAND), habit)
    habit = np.where(_IS_TASK[act], np.minimum(habit, task_hand[ev["actor"]]), habit)
    ev["manual"] = ((ev["manual"] > 0) | (rng.random(n) < habit)).astype(np.int8)
    for k in ("group", "min_age", "ref", "parent"):
        del ev[k]


@dataclass(frozen=True)
class _Truth:
    """The ground-truth tables and the day strings they use."""

    labels: pd.DataFrame
    window_labels: pd.DataFrame
    lookalikes: pd.DataFrame
    n_labelled: int


def _dates(cfg: GenerateConfig) -> np.ndarray:
    """ISO date of each timeline day."""
    return np.array([day_date(cfg.start, d).isoformat() for d in range(cfg.days)], dtype=object)


def _ground_truth(
    cfg: GenerateConfig, org: Organisation, ev: dict[str, np.ndarray], incidents: list[dict]
) -> _Truth:
    """Labelled records, labelled actor-days and look-alike actor-days."""
    actor_ids = org.actors["actor_id"].to_numpy()
    lab = np.flatnonzero(ev["incident"] >= 0)
    rid_str = fixed_width(b"a_", ev["rid"][lab]).to_numpy(zero_copy_only=False)
    day = (ev["ts"] - org.t0) // DAY
    inc_names = np.array([i["incident_id"] for i in incidents] or ["none"], dtype=object)
    scen = np.array(SCENARIOS, dtype=object)
    labels = pd.DataFrame(
        {
            "record_id": rid_str,
            "actor_id": actor_ids[ev["actor"][lab]],
            "created_at": iso(ev["ts"][lab]).to_numpy(zero_copy_only=False),
            "scenario": scen[ev["scenario"][lab]],
            "incident_id": inc_names[ev["incident"][lab]],
        }
    )
    dates = _dates(cfg)
    wl = pd.DataFrame(
        {
            "actor_id": actor_ids[ev["actor"][lab]],
            "day": dates[day[lab]],
            "scenario": scen[ev["scenario"][lab]],
            "incident_id": inc_names[ev["incident"][lab]],
        }
    ).drop_duplicates(ignore_index=True)
    lk = np.flatnonzero(ev["lookalike"] >= 0)
    looks = np.array(LOOKALIKES, dtype=object)
    lookalikes = (
        pd.DataFrame(
            {
                "actor_id": actor_ids[ev["actor"][lk]],
                "day": dates[day[lk]],
                "kind": looks[ev["lookalike"][lk]],
            }
        )
        .drop_duplicates()
        .sort_values(["day", "actor_id", "kind"], ignore_index=True)
    )
    # a day that holds an attack record is the attack's, whatever else the actor did
    attacked = pd.MultiIndex.from_frame(wl[["actor_id", "day"]])
    lookalikes = lookalikes[
        ~pd.MultiIndex.from_frame(lookalikes[["actor_id", "day"]]).isin(attacked)
    ].reset_index(drop=True)
    wl = wl.sort_values(["day", "actor_id", "incident_id"], ignore_index=True)
    return _Truth(labels, wl, lookalikes, int(lab.size))


def _actors_table(cfg: GenerateConfig, org: Organisation) -> pd.DataFrame:
    """Ground-truth actor metadata: active days as dates, internal columns dropped."""
    dates = _dates(cfg)
    actors = org.actors.copy()
    actors["active_from"] = dates[np.clip(org.active_from, 0, cfg.days - 1)]
    actors["active_to"] = dates[np.clip(org.active_to, 0, cfg.days - 1)]
    actors["odd"] = [org.odd.get(a, "") for a in range(org.n_actors)]
    return actors.drop(
        columns=["home_ip", "home_ip2", "v6_ip", "switch_day", "created_ts", "hand_share"]
    )


def _scenario_counts(
    cfg: GenerateConfig, labels: pd.DataFrame, incidents: list[dict]
) -> dict[str, dict[str, int]]:
    """Incidents per period and form, and labelled records, of each injected scenario."""
    inc_df = pd.DataFrame(incidents, columns=["incident_id", "scenario", "form", "period"])
    present = set(labels["incident_id"])
    inc_df = inc_df[inc_df["incident_id"].isin(present)]
    per_scen: dict[str, dict[str, int]] = {}
    for s in SCENARIOS:
        if s not in cfg.scenarios:
            continue
        sub = inc_df[inc_df["scenario"] == s]
        per_scen[s] = {
            "incidents_train": int((sub["period"] == "train").sum()),
            "incidents_test": int((sub["period"] == "test").sum()),
            "incidents_persistent": int((sub["period"] == "persistent").sum()),
            "incidents_subtle": int((sub["form"] == "subtle").sum()),
            "records": int((labels["scenario"] == s).sum()),
        }
    return per_scen


def _action_counts(ev: dict[str, np.ndarray], org: Organisation) -> dict:
    """Count records of types outside the 51; list the types carrying ``data.updated_by``."""
    new = ev["action"] >= N_REAL_ACTIONS
    counts = np.bincount(ev["action"][new], minlength=len(ACTIONS))
    return {
        "new_types": {ACTIONS[i]: int(counts[i]) for i in np.flatnonzero(counts)},
        "new_type_records": int(new.sum()),
        "updated_by_types": [ACTIONS[i] for i in np.flatnonzero(org.actions.updated_by)],
    }


def _manifest(cfg: GenerateConfig, org: Organisation, ev: dict[str, np.ndarray], truth: _Truth,
              incidents: list[dict]) -> dict:  # fmt: skip
    """Seed, every parameter, periods and counts of the world, and its incidents."""
    n = int(ev["ts"].size)
    dates = _dates(cfg)
    split = int(np.searchsorted(ev["ts"], cfg.split_ts))
    present = set(truth.labels["incident_id"])
    return {
        "generator": "pipes_anomaly.generate",
        "seed": cfg.seed,
        "parameters": cfg.knob_values(),
        "train_period": {"start": dates[0], "end": dates[cfg.train_days - 1]},
        "test_period": {"start": dates[cfg.train_days], "end": dates[-1]},
        "records": {"total": n, "train": split, "test": n - split},
        "labelled_records": truth.n_labelled,
        "actors": {r: int((org.a_role == r).sum()) for r in ROLES},
        "odd_actors": {
            k: sum(v == k for v in org.odd.values()) for k in ("shared_account", "broken_bot")
        },  # fmt: skip
        "actions": _action_counts(ev, org),
        "scenarios": _scenario_counts(cfg, truth.labels, incidents),
        "incidents": [i for i in incidents if i["incident_id"] in present],
        "lookalikes": {k: int((truth.lookalikes["kind"] == k).sum()) for k in LOOKALIKES},
    }
