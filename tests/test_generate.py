"""Tests for the simulator (`anomaly generate`): validity, ground truth, realism, CLI errors."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipes_anomaly.cli import main
from pipes_anomaly.generate import GenerateConfig, default_train_days, render_jsonl, simulate
from pipes_anomaly.generate.mimics import MIMICS
from pipes_anomaly.generate.scenarios import SCENARIO_FUNCS
from pipes_anomaly.generate.vocabulary import ACTION_ID, EXTRA_FRAGS, PLATFORM_TASKS
from pipes_anomaly.io import write_world
from pipes_anomaly.schema import (
    ACTION_TYPES,
    LOOKALIKES,
    RECORD_FIELDS,
    SCENARIOS,
    TP_FIELDS,
    Scenario,
)

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SMALL = dict(days=21, actors=30, train_days=14, start=dt.date(2026, 1, 12))


def _seeds() -> list[int]:
    raw = os.environ.get("PIPES_ANOMALY_SEEDS", "0")
    return [int(s) for s in raw.split(",") if s.strip()]


@pytest.fixture(scope="module", params=_seeds())
def world(request: pytest.FixtureRequest):
    return simulate(GenerateConfig(seed=request.param, **SMALL))


@pytest.fixture(scope="module")
def records(world) -> list[dict]:
    return [orjson.loads(line) for line in b"".join(render_jsonl(world)).splitlines()]


def _read_jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


# ---- determinism ----------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["generate", "--days", "10", "--actors", "20", "--seed", "7", "--compress"]
    for name in ("a", "b"):
        res = runner.invoke(main, [*args, "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "train.jsonl.gz" in names and "labels.csv" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_other_seed_gives_other_records() -> None:
    cfg = dict(days=5, actors=12, train_days=3)
    a = b"".join(render_jsonl(simulate(GenerateConfig(seed=1, **cfg))))
    b = b"".join(render_jsonl(simulate(GenerateConfig(seed=2, **cfg))))
    assert a != b


# ---- records ----------------------------------------------------------------------------


def test_every_record_is_valid(records: list[dict], world) -> None:
    cfg = world.config
    start = dt.datetime.combine(cfg.start, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=cfg.days)
    assert len(records) == world.n_records > 1000
    ids = set()
    for r in records:
        assert set(RECORD_FIELDS) | set(TP_FIELDS) == set(r)
        for f in RECORD_FIELDS:
            if f not in ("process_id", "data"):
                assert isinstance(r[f], str) and r[f], f
        assert r["id"].startswith("a_") and len(r["id"]) == 22
        assert r["actor_id"].startswith("u_") and r["identity_id"].startswith("o_")
        assert r["tenant_id"].startswith("t_")
        assert RFC3339.match(r["created_at"]), r["created_at"]
        t = dt.datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
        assert start <= t < end
        assert r["tp_timestamp"] == r["created_at"] and r["tp_date"] == r["created_at"][:10]
        assert r["tp_source_ip"] == r["actor_ip"] and r["tp_ips"] == [r["actor_ip"]]
        assert r["tp_usernames"] == [r["actor_handle"], r["actor_id"]]
        assert r["tp_source_type"] == "pipes_audit_log_api"
        assert r["process_id"] is None or r["process_id"].startswith("p_")
        d = r["data"]
        assert isinstance(d, dict)
        assert d["created_by_id"] == d["created_by"]["id"]
        assert d["id"] == r["target_id"] and d["handle"] == r["target_handle"]
        assert d["state"] in ("active", "deleted", "disabled", "pending")
        assert RFC3339.match(d["updated_at"]) and d["updated_at"] == r["created_at"]
        if r["action_type"].startswith("workspace.") and r["target_id"].startswith("w_"):
            assert "workspace_id" not in d
        if r["action_type"].startswith(("pipeline.", "connection.", "datatank.")):
            assert d["workspace_id"].startswith("w_") and d["workspace_handle"]
        ids.add(r["id"])
    assert len(ids) == len(records)


def test_records_are_time_ordered_and_split_at_train_days(small_world: Path) -> None:
    train = _read_jsonl(small_world / "train.jsonl")
    test = _read_jsonl(small_world / "test.jsonl")
    manifest = json.loads((small_world / "manifest.json").read_text())
    split = manifest["test_period"]["start"] + "T00:00:00Z"
    assert train and test
    assert max(r["created_at"] for r in train) < split <= min(r["created_at"] for r in test)
    times = [r["created_at"] for r in train + test]
    assert times == sorted(times)
    assert manifest["records"] == {"total": len(times), "train": len(train), "test": len(test)}


def test_action_types_only_from_the_real_list(records: list[dict]) -> None:
    assert {r["action_type"] for r in records} <= set(ACTION_TYPES)


def test_default_world_uses_all_51_action_types_and_has_the_intended_size() -> None:
    w = simulate(GenerateConfig())
    assert len(np.unique(w.events["action"])) == len(ACTION_TYPES) == 51
    assert 40_000 <= w.n_records <= 80_000
    roles = w.actors["role"].value_counts(normalize=True)
    assert 0.65 <= roles["normal"] <= 0.75 and 0.15 <= roles["power"] <= 0.25
    assert 0.04 <= roles["admin"] <= 0.08 and roles["bot"] > 0
    for s in SCENARIOS:  # per-scenario recall needs several test incidents
        assert w.manifest["scenarios"][s]["incidents_test"] >= 3, s
    assert sum(v["incidents_train"] for v in w.manifest["scenarios"].values()) >= 2


def test_lifecycles_nothing_is_touched_after_its_deletion(records: list[dict]) -> None:
    deleted: dict[str, str] = {}
    for r in records:
        tid = r["target_id"]
        assert tid not in deleted, f"{r['action_type']} on {tid} deleted at {deleted.get(tid)}"
        if r["data"]["state"] == "deleted":
            deleted[tid] = r["created_at"]
    assert len(deleted) > 20


def test_actors_mostly_touch_their_own_teams_workspaces(records: list[dict], world) -> None:
    team = dict(zip(world.actors["actor_id"], world.actors["team"], strict=True))
    touches: dict[str, list[int]] = {}
    for r in records:
        ws = r["data"].get("workspace_id")
        if ws:
            touches.setdefault(ws, []).append(team[r["actor_id"]])
    # most touches of a workspace come from one team (its owner)
    shares = [pd.Series(t).value_counts(normalize=True).iloc[0] for t in touches.values()]
    assert len(shares) >= 5 and np.median(shares) >= 0.8


# ---- ground truth -----------------------------------------------------------------------


def test_every_label_points_at_a_record(small_world: Path) -> None:
    recs = _read_jsonl(small_world / "train.jsonl") + _read_jsonl(small_world / "test.jsonl")
    by_id = {r["id"]: r for r in recs}
    labels = pd.read_csv(small_world / "labels.csv", dtype=str)
    assert list(labels.columns) == [
        "record_id",
        "actor_id",
        "created_at",
        "scenario",
        "incident_id",
    ]
    assert len(labels) > 0
    for row in labels.itertuples():
        r = by_id[row.record_id]
        assert r["actor_id"] == row.actor_id and r["created_at"] == row.created_at
    windows = pd.read_csv(small_world / "window_labels.csv", dtype=str)
    assert list(windows.columns) == ["actor_id", "day", "scenario", "incident_id"]
    from_labels = labels.assign(day=labels["created_at"].str[:10])[list(windows.columns)]
    assert set(map(tuple, windows.to_numpy())) == set(map(tuple, from_labels.to_numpy()))


def test_each_requested_scenario_appears(small_world: Path) -> None:
    labels = pd.read_csv(small_world / "labels.csv", dtype=str)
    assert set(labels["scenario"]) == set(SCENARIOS)
    manifest = json.loads((small_world / "manifest.json").read_text())
    for s in SCENARIOS:
        assert manifest["scenarios"][s]["records"] > 0
        assert manifest["scenarios"][s]["incidents_test"] >= 1
    looks = pd.read_csv(small_world / "lookalikes.csv", dtype=str)
    assert set(looks["kind"]) == set(LOOKALIKES[:6])  # the classic kinds, on by default


def test_every_scenario_has_one_function() -> None:
    assert set(SCENARIO_FUNCS) == set(Scenario)
    assert len(set(SCENARIO_FUNCS.values())) == len(Scenario)


@pytest.mark.parametrize("scenarios", [("mass_deletion", "billing_change"), ("low_and_slow",), ()])
def test_only_requested_scenarios_are_injected(scenarios: tuple[str, ...]) -> None:
    w = simulate(GenerateConfig(days=10, actors=15, train_days=6, scenarios=scenarios))
    assert set(w.labels["scenario"]) == set(scenarios)
    assert set(w.manifest["scenarios"]) == set(scenarios)


def test_no_attacks_with_zero_rate_and_no_lookalikes_when_disabled() -> None:
    w = simulate(GenerateConfig(days=8, actors=12, train_days=5, attack_rate=0, lookalikes=False))
    assert len(w.labels) == 0 and len(w.window_labels) == 0 and len(w.lookalikes) == 0


def test_lookalikes_are_unlabelled(world) -> None:
    ev = world.events
    assert (ev["incident"][ev["lookalike"] >= 0] == -1).all()
    windows = set(zip(world.window_labels["actor_id"], world.window_labels["day"], strict=True))
    looks = set(zip(world.lookalikes["actor_id"], world.lookalikes["day"], strict=True))
    assert looks and not (windows & looks)


def _acting_id(r: dict) -> str | None:
    """The id a record says acted: created_by on a create, updated_by where carried."""
    d = r["data"]
    if "updated_by_id" in d:
        return d["updated_by_id"]
    return d["created_by_id"] if d.get("version_id") == 1 else None


def test_actor_mismatch_is_the_only_source_of_forged_acting_ids(records: list[dict], world) -> None:
    labels = world.labels.set_index("record_id")["scenario"]
    forged = [r["id"] for r in records if _acting_id(r) not in (None, r["actor_id"])]
    assert forged
    assert {labels.get(i) for i in forged} == {"actor_mismatch"}
    mismatch = set(labels[labels == "actor_mismatch"].index)
    assert mismatch <= set(forged)  # every actor_mismatch record names someone else


def test_created_by_is_the_resources_creator(records: list[dict], world) -> None:
    # data is the resource after the action: created_by names whoever created it, so
    # actions on a teammate's resource legitimately name the teammate
    labelled = set(world.labels["record_id"])
    benign = [r for r in records if r["id"] not in labelled and r["data"]["version_id"] != 1]
    other = [r for r in benign if r["data"]["created_by_id"] != r["actor_id"]]
    assert len(other) > 0.3 * len(benign)
    creator: dict[tuple, str] = {}
    for r in records:  # a resource keeps its creator from record to record
        d = r["data"]  # (a user's memberships share its id: the workspace tells them apart)
        key = (r["target_id"], d.get("workspace_id"))
        if d["version_id"] == 1:  # a create starts a resource (a re-added member: a new one)
            creator[key] = d["created_by_id"]
        assert creator.setdefault(key, d["created_by_id"]) == d["created_by_id"]
        if d["version_id"] == 1 and r["id"] not in labelled:
            assert d["created_by_id"] == r["actor_id"]


def test_updated_by_only_on_update_like_records(records: list[dict]) -> None:
    from pipes_anomaly.generate.vocabulary import ACTION_ID, UPDATE_LIKE

    carried = {r["action_type"] for r in records if "updated_by_id" in r["data"]}
    assert carried and all(UPDATE_LIKE[ACTION_ID[a]] for a in carried)
    for r in records:
        d = r["data"]
        if "updated_by_id" in d:
            assert d["updated_by"]["id"] == d["updated_by_id"]
        else:
            assert "updated_by" not in d


def test_memberships_name_their_member(records: list[dict]) -> None:
    # the API's membership objects name the member (user_id, user_handle); nothing else does
    members = [r for r in records if ".member." in r["action_type"]]
    assert members
    for r in members:
        assert (r["data"]["user_id"], r["data"]["user_handle"]) == (
            r["target_id"],
            r["target_handle"],
        )
    assert not any("user_id" in r["data"] for r in records if ".member." not in r["action_type"])


# ---- realism ----------------------------------------------------------------------------


def test_human_hours_follow_local_business_hours(world) -> None:
    ev, actors = world.events, world.actors
    benign = (ev["incident"] < 0) & (ev["lookalike"] < 0)
    local_hour_share = []
    for a in np.flatnonzero(actors["kind"].to_numpy() == "human"):
        m = benign & (ev["actor"] == a)
        if m.sum() < 20:
            continue
        row = actors.iloc[a]
        local = (ev["ts"][m] + row["tz_offset_min"] * 60) % 86400 / 3600
        inside = (local >= row["business_start"] - 1) & (local <= row["business_end"] + 1)
        local_hour_share.append(inside.mean())
        # local business hours, not UTC ones: the UTC hours of far-away people differ
    assert len(local_hour_share) >= 10
    assert np.median(local_hour_share) >= 0.85
    assert min(local_hour_share) >= 0.6
    tz = actors.loc[actors["kind"] == "human", "tz_offset_min"]
    assert tz.nunique() >= 4 and (tz > 0).any() and (tz < 0).any()


def test_weekends_are_quieter(world) -> None:
    ev = world.events
    humans = world.actors["kind"].to_numpy()[ev["actor"]] == "human"
    days = pd.to_datetime(ev["ts"][humans], unit="s")
    per_day = pd.Series(1, index=days).resample("D").sum()
    weekend = per_day[per_day.index.day_of_week >= 5].mean()
    weekday = per_day[per_day.index.day_of_week < 5].mean()
    assert weekend < 0.4 * weekday


def test_bots_run_around_the_clock_in_processes_or_by_token(records: list[dict], world) -> None:
    kind = dict(zip(world.actors["actor_id"], world.actors["kind"], strict=True))
    misused = set(world.labels["record_id"])
    bots = [r for r in records if kind[r["actor_id"]] == "bot" and r["id"] not in misused]
    people = [r for r in records if kind[r["actor_id"]] == "human"]
    assert bots and people
    # people carry a process id only on the tasks the platform runs as processes for them
    assert all(r["process_id"] is None for r in people if r["action_type"] not in PLATFORM_TASKS)
    assert any(r["process_id"] is not None for r in people)
    by_hand = [r for r in records if r["id"] in misused and kind[r["actor_id"]] == "bot"]
    assert by_hand and all(r["process_id"] is None for r in by_hand)  # a misused token
    for bot in {r["actor_id"] for r in bots}:
        mine = [r for r in bots if r["actor_id"] == bot]
        # in processes, with a few records by hand; or by an API token, never in a process
        in_process = sum(r["process_id"] is not None for r in mine) / len(mine)
        assert in_process == 0 or in_process >= 0.8
        assert len({r["actor_ip"] for r in mine}) <= 2
        # around the clock, every day: a 30-minute to 3-hour cadence, not office hours
        quarters = {(r["created_at"][:10], int(r["created_at"][11:13]) // 6) for r in mine}
        days = {d for d, _ in quarters}
        assert len(days) >= 0.9 * world.config.days
        assert len(quarters) >= 0.9 * 4 * len(days)


def test_ips_shared_offices_and_kinds(world) -> None:
    ev, ips = world.events, world.ips
    kinds = ips["kind"].to_numpy()
    used = kinds[ev["ip"]]
    assert {"office", "home", "home6", "cloud"} <= set(used)
    office = ev["ip"][used == "office"]
    actors_per_office_ip = pd.Series(ev["actor"][used == "office"]).groupby(office).nunique()
    assert actors_per_office_ip.max() >= 3  # NAT addresses shared by many people


def test_attack_and_benign_records_share_keys_and_ip_kinds(world) -> None:
    # the default world: every action type has benign examples there
    default = simulate(GenerateConfig(seed=world.config.seed))
    labelled = set(default.labels["record_id"])
    shapes: dict[bool, dict[str, set]] = {True: {}, False: {}}
    for line in b"".join(render_jsonl(default)).splitlines():
        r = orjson.loads(line)
        key = (tuple(sorted(r)), tuple(sorted(r["data"])))
        shapes[r["id"] in labelled].setdefault(r["action_type"], set()).add(key)
    for action, keys in shapes[True].items():
        assert keys <= shapes[False].get(action, set()), action
    ev = world.events
    kinds = world.ips["kind"].to_numpy()
    attack_kinds = set(kinds[ev["ip"][ev["incident"] >= 0]])
    benign_kinds = set(kinds[ev["ip"][ev["incident"] < 0]])
    assert attack_kinds and attack_kinds <= benign_kinds
    # no round timestamps: attack seconds look like benign ones
    secs = ev["ts"][ev["incident"] >= 0] % 60
    assert (secs == 0).mean() < 0.1 and len(np.unique(secs)) > 20


# ---- no generator artefacts: attacks differ from benign records only in behaviour ------


@pytest.fixture(scope="module")
def default_frame() -> pd.DataFrame:
    """The default world's records, one row each, with its ground truth."""
    w = simulate(GenerateConfig())
    labelled = set(w.labels["record_id"])
    role = dict(zip(w.actors["actor_id"], w.actors["role"], strict=True))
    rows = []
    for line in b"".join(render_jsonl(w)).splitlines():
        r = orjson.loads(line)
        d = r["data"]
        rows.append(
            (
                r["id"],
                r["action_type"],
                role[r["actor_id"]],
                r["actor_ip"],
                r["created_at"],
                r["target_id"],
                d["created_at"],
                d.get("workspace_id"),
                r["process_id"] is not None,
                r["actor_id"],
            )
        )
    columns = ["id", "action", "role", "ip", "ts", "target", "born", "ws", "in_process", "actor"]
    df = pd.DataFrame(rows, columns=columns)
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    df["born"] = pd.to_datetime(df["born"], utc=True)
    df["attack"] = df["id"].isin(labelled)
    # a carrier may hand one address to two sessions: the table then lists it twice
    kinds = w.ips.drop_duplicates("ip").set_index("ip")["kind"]
    df["kind"] = kinds.reindex(df["ip"]).to_numpy()
    return df


def test_attack_action_types_all_appear_in_benign_records(default_frame: pd.DataFrame) -> None:
    df = default_frame
    assert set(df.loc[df["attack"], "action"]) <= set(df.loc[~df["attack"], "action"])
    # per role and process id too (a service account's records by hand), but for billing by a
    # normal member (rare, itself the behaviour)
    keys = ["role", "action", "in_process"]
    benign = set(df.loc[~df["attack"], keys].itertuples(index=False, name=None))
    odd = set(df.loc[df["attack"], keys].itertuples(index=False, name=None)) - benign
    assert odd <= {("normal", "org.billing.payment_method.create", False)}, odd


def test_snapshots_left_open_by_habit_and_by_plain_intruders() -> None:
    w = simulate(GenerateConfig())
    form = {i["incident_id"]: i["form"] for i in w.manifest["incidents"]}
    incident = dict(zip(w.labels["record_id"], w.labels["incident_id"], strict=True))
    rows = []
    for line in b"".join(render_jsonl(w)).splitlines():
        r = orjson.loads(line)
        if r["action_type"] in ("workspace.snapshot.create", "workspace.snapshot.update"):
            inc = incident.get(r["id"])
            kind = "benign" if inc is None else form[inc]
            rows.append((r["actor_id"], kind, r["data"]["visibility"] == "anyone_with_link"))
    df = pd.DataFrame(rows, columns=["actor", "kind", "public"])
    benign = df[df["kind"] == "benign"]
    # public links are a habit of some people and bots, not a value only attacks write
    assert benign.loc[benign["public"], "actor"].nunique() >= 5
    assert 0.01 < benign["public"].mean() < 0.3
    plain = df[df["kind"] == "plain"]
    assert len(plain) >= 5 and plain["public"].mean() > 2 * benign["public"].mean()
    # the snapshots benign days shaped like attacks add are shared as openly as plain
    # intruders' (the look-alikes that are someone's ordinary work share by habit)
    shaped = _snapshot_visibility(GenerateConfig(mimic_rate=1.0))
    looking = shaped.loc[shaped["look"].isin(list(MIMICS)), "public"]
    assert looking.size >= 5 and looking.mean() > 2 * benign["public"].mean()
    ordinary = shaped[shaped["look"].isin(["new_hire", "traveller"])]
    assert len(ordinary) and ordinary["public"].mean() < 0.5


def _snapshot_visibility(cfg: GenerateConfig) -> pd.DataFrame:
    """Each snapshot create or update of a world: who, why, and whether it was left open."""
    w = simulate(cfg)
    ev = w.events
    snap = np.isin(ev["action"], [ACTION_ID[a] for a in ("workspace.snapshot.create",
                                                         "workspace.snapshot.update")])  # fmt: skip
    forms = [i["form"] for i in w.manifest["incidents"]]
    inc, look = ev["incident"][snap], ev["lookalike"][snap]
    return pd.DataFrame(
        {
            "actor": ev["actor"][snap],
            "bot": (w.actors["kind"].to_numpy() == "bot")[ev["actor"][snap]],
            "scenario": [SCENARIOS[s] if s >= 0 else "" for s in ev["scenario"][snap]],
            "form": [forms[i] if i >= 0 else "" for i in inc],
            "look": [LOOKALIKES[k] if k >= 0 else "" for k in look],
            "public": np.array(["anyone_with_link" in f for f in EXTRA_FRAGS])[ev["extra"][snap]],
        }
    )


def test_sharing_knobs_and_exfiltration_set_who_leaves_snapshots_open() -> None:
    base = dict(days=28, actors=150, train_days=18, start=dt.date(2026, 1, 12), mimic_rate=3.0,
                subtle_share=0.5, attack_rate=2.0)  # fmt: skip
    closed = _snapshot_visibility(GenerateConfig(**base, sharer_share=0.0, intruder_sharing=0.0))
    benign = closed[(closed["scenario"] == "") & (closed["look"] == "")]
    assert not benign.loc[~benign["bot"], "public"].any()  # nobody shares by habit
    plain = closed[(closed["form"] == "plain") & (closed["scenario"] != "data_exfiltration")]
    assert len(plain) and not plain["public"].any()
    others = closed[~closed["look"].isin(["", "customer_report"])]
    assert len(others) and not others["public"].any()
    # taking data out, in either form, and its look-alike leave snapshots open all the same
    exfil = closed[closed["scenario"] == "data_exfiltration"]
    assert set(exfil["form"]) == {"plain", "subtle"}
    assert (exfil.groupby("form")["public"].mean() > 0.5).all() and exfil["public"].mean() > 0.6
    report = closed[closed["look"] == "customer_report"]
    assert len(report) >= 5 and report["public"].mean() > 0.6
    # with every person a sharer, many who take snapshots leave some open (a few now and then)
    open_ = _snapshot_visibility(GenerateConfig(**base, sharer_share=1.0))
    people = open_[~open_["bot"] & (open_["scenario"] == "") & (open_["look"] == "")]
    assert people.groupby("actor")["public"].any().mean() > 0.3


def test_young_deletes_and_short_lived_workspaces_are_not_attack_only(
    default_frame: pd.DataFrame,
) -> None:
    df = default_frame
    dels = df[df["action"].str.endswith(".delete") | (df["action"] == "workspace.mod.uninstall")]
    young = dels[(dels["ts"] - dels["born"]) < pd.Timedelta(hours=24)]
    assert (~young["attack"]).sum() >= 30  # benign undos and scratch tear-downs
    assert young["attack"].mean() < 0.5
    # benign workspaces created, given a mod or connection, and deleted within a day
    created = df[df["action"] == "workspace.create"].set_index("target")["ts"]
    deleted = df[df["action"] == "workspace.delete"].set_index("target")
    filled = set(df.loc[df["action"].isin(["workspace.mod.install", "connection.create"]), "ws"])
    life = deleted["ts"] - created.reindex(deleted.index)
    short = deleted[(life < pd.Timedelta(days=1)) & deleted.index.isin(filled)]
    assert (~short["attack"]).sum() >= 5 and short["attack"].sum() >= 1
    # new workspaces are not empty shells: most populated ones are benign
    in_new = df[df["ws"].isin(created.index)]
    assert (~in_new["attack"]).sum() >= 20 * max(1, in_new["attack"].sum())


def test_nothing_lives_in_a_workspace_after_its_deletion(default_frame: pd.DataFrame) -> None:
    df = default_frame
    gone = df[df["action"] == "workspace.delete"].set_index("target")["ts"]
    inside = df[df["ws"].isin(gone.index)]
    late = inside[inside["ts"] > gone.reindex(inside["ws"]).to_numpy()]
    assert late.empty, late[["action", "ws", "ts"]].head()


def test_people_use_every_ip_kind_attackers_use(default_frame: pd.DataFrame) -> None:
    people = default_frame[default_frame["role"] != "bot"]
    attack_kinds = set(people.loc[people["attack"], "kind"])
    benign_kinds = set(people.loc[~people["attack"], "kind"])
    assert attack_kinds <= benign_kinds
    assert {"cloud", "vpn", "mobile", "home6"} <= benign_kinds
    # benign VPN use is not only the org's small pool: fresh exits exist
    vpn = people[~people["attack"] & (people["kind"] == "vpn")]
    assert vpn["ip"].nunique() > 20


def test_attack_days_follow_the_working_week(default_frame: pd.DataFrame) -> None:
    # counted in people's actor-days (UTC), not records: one big incident among the 10% of
    # untimed ones left on a weekend (a burst of 60 repeats) would outweigh the rest
    df = default_frame[default_frame["role"] != "bot"]
    days = df.assign(day=df["ts"].dt.floor("D")).drop_duplicates(["actor", "day", "attack"])
    weekend = days["day"].dt.day_of_week >= 5
    benign_share = weekend[~days["attack"]].mean()
    assert weekend[days["attack"]].mean() <= max(0.1, benign_share)


# ---- formats ----------------------------------------------------------------------------


def test_parquet_and_gzip_hold_the_same_records(tmp_path: Path) -> None:
    w = simulate(GenerateConfig(days=6, actors=12, train_days=4))
    write_world(w, tmp_path / "p", fmt="parquet")
    write_world(w, tmp_path / "g", fmt="jsonl", compress=True)
    table = pq.read_table(tmp_path / "p" / "test.parquet")
    lines = gzip.decompress((tmp_path / "g" / "test.jsonl.gz").read_bytes()).splitlines()
    recs = [orjson.loads(x) for x in lines]
    assert table.column_names == list(RECORD_FIELDS) + list(TP_FIELDS)
    assert table.column("id").to_pylist() == [r["id"] for r in recs]
    assert [json.loads(d) for d in table.column("data").to_pylist()] == [r["data"] for r in recs]
    assert table.column("tp_usernames").to_pylist() == [r["tp_usernames"] for r in recs]


# ---- CLI --------------------------------------------------------------------------------


def test_default_train_days() -> None:
    assert default_train_days(60) == 42
    assert default_train_days(2) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train-days", "60"], "Error: Invalid value for '--train-days': must be less than "
         "--days (60), got 60"),
        (["--days", "10", "--train-days", "12"], "Error: Invalid value for '--train-days': must "
         "be less than --days (10), got 12"),
        (["--scenarios", "mass_deletion,nope"], "Error: Invalid value for '--scenarios': unknown "
         "scenario 'nope'; choose from " + ", ".join(SCENARIOS)),
        (["--days", "1"], "Error: Invalid value for '--days': 1 is not in the range x>=2."),
        (["--actors", "3"], "Error: Invalid value for '--actors': 3 is not in the range "
         "5<=x<=10000."),
        (["--set", "v6_privacy=2"], "Error: Invalid value for '--set': v6_privacy must be a "
         "number from 0 to 1, got 2.0"),
        (["--set", "odd_actors=1.5"], "Error: Invalid value for '--set': odd_actors must be a "
         "whole number, got '1.5'"),
        (["--set", "nope=1"], "Error: Invalid value for '--set': unknown knob 'nope'; "
         "'anomaly generate --knobs' lists the knobs"),
        (["--set", "v6_privacy"], "Error: Invalid value for '--set': expected NAME=VALUE, got "
         "'v6_privacy'"),
        (["--set", "actors=20"], "Error: Invalid value for '--set': actors has its own option: "
         "use --actors"),
        (["--set", "bot_share=0.5", "--set", "power_share=0.5"], "Error: bot_share + "
         "admin_share + power_share must be at most 0.9, got 1.06"),
        (["--variant", "2", "--train-days", "500"], "Error: train_days must be at least 1 and "
         "less than days"),
        (["--family", "test"], "Error: Invalid value for '--family': 'test' is not one of "
         "'dev', 'holdout'."),
        (["--attack-rate", "-1"], "Error: Invalid value for '--attack-rate': -1.0 is not in the "
         "range 0.0<=x<=20.0."),
        (["--start", "2026-13-01"], "Error: Invalid value for '--start': '2026-13-01' does not "
         "match the format '%Y-%m-%d'."),
        (["--format", "xml"], "Error: Invalid value for '--format': 'xml' is not one of "
         "'jsonl', 'parquet'."),
        (["--format", "parquet", "--compress"], "Error: --compress applies to --format jsonl "
         "only (Parquet is compressed)"),
    ],
)  # fmt: skip
def test_bad_options_fail_before_any_work(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["generate", "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert not out.exists()


def test_out_is_required_and_help_lists_every_option() -> None:
    res = CliRunner().invoke(main, ["generate"])
    assert res.exit_code == 2 and "Missing option '--out'" in res.output
    help_text = CliRunner().invoke(main, ["generate", "-h"]).output
    options = "--out --seed --days --actors --orgs --train-days --start --scenarios --attack-rate"
    options += " --variant --family --set --knobs"
    for opt in (*options.split(), "--lookalikes", "--format", "--compress"):
        assert opt in help_text, opt


def test_cli_writes_the_design_files(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main,
        ["generate", "--out", str(tmp_path), "--days", "8", "--actors", "12", "--orgs", "2",
         "--scenarios", "none", "--no-lookalikes"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"train.jsonl", "test.jsonl", "labels.csv", "window_labels.csv", "lookalikes.csv",
            "manifest.json"} <= names  # fmt: skip
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["parameters"]["orgs"] == 2
    assert manifest["parameters"]["train_days"] == default_train_days(8)
    orgs = {r["identity_id"] for r in _read_jsonl(tmp_path / "train.jsonl")}
    assert len(orgs) == 2
