"""Tests for world variants and realism knobs: ranges, determinism, what each knob moves,
no attack-only artefacts in any variant, every look-alike kind."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

from pipes_anomaly.cli import main
from pipes_anomaly.generate import (
    FAMILIES,
    KNOBS,
    GenerateConfig,
    draw_variant,
    parse_knob,
    render_jsonl,
    simulate,
    world_config,
)
from pipes_anomaly.generate.mimics import MIMICKED, MIMICS
from pipes_anomaly.generate.subtle import SUBTLE_FUNCS
from pipes_anomaly.generate.vocabulary import (
    ACTION_ID,
    HANDLE_WORDS,
    IP6_PREFIXES,
    IP_PREFIXES,
    ORG_WORDS,
    PLATFORM_TASKS,
    UPDATE_LIKE,
)
from pipes_anomaly.schema import ACTION_TYPES, LOOKALIKES, SCENARIOS, Scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "worlds.md"
#: a small world, every knob at its default
BASE = dict(days=21, actors=40, train_days=14, start=dt.date(2026, 1, 12))


def _small(cfg: GenerateConfig, actors: int = 40, days: int = 21) -> GenerateConfig:
    """A variant shrunk to test size (same knobs otherwise)."""
    return replace(cfg, actors=min(cfg.actors, actors), orgs=min(cfg.orgs, 2), days=days,
                   train_days=14)  # fmt: skip


def _records(world) -> list[dict]:
    return [orjson.loads(x) for x in b"".join(render_jsonl(world)).splitlines()]


def _frame(world) -> pd.DataFrame:
    """One row per record: who, what, where, and whether it is an attack or look-alike."""
    ev = world.events
    actors = world.actors
    return pd.DataFrame(
        {
            "actor": ev["actor"],
            "ts": ev["ts"],
            "action": ev["action"],
            "ip": world.ips["ip"].to_numpy()[ev["ip"]],
            "ip_kind": world.ips["kind"].to_numpy()[ev["ip"]],
            "role": actors["role"].to_numpy()[ev["actor"]],
            "org": actors["org"].to_numpy()[ev["actor"]],
            "attack": ev["incident"] >= 0,
            "look": ev["lookalike"] >= 0,
        }
    )


# ---- knobs: ranges and parsing ---------------------------------------------------------


def test_every_knob_default_is_in_range_and_the_default_config() -> None:
    default = GenerateConfig()
    for name, knob in KNOBS.items():
        assert knob.lo <= knob.default <= knob.hi, name
        assert getattr(default, name) == knob.default, name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(actors=4), "actors must be a whole number from 5 to 10000, got 4"),
        (dict(orgs=0), "orgs must be a whole number from 1 to 20, got 0"),
        (dict(team_size=2.5), "team_size must be a whole number from 2 to 100, got 2.5"),
        (dict(v6_privacy=1.5), "v6_privacy must be a number from 0 to 1, got 1.5"),
        (dict(burstiness=float("nan")), "burstiness must be a number from 0 to 4, got nan"),
        (dict(mimic_rate=-1), "mimic_rate must be a number from 0 to 5, got -1"),
        (dict(odd_actors=True), "odd_actors must be a whole number from 0 to 20, got True"),
        (dict(bot_share=0.5, power_share=0.5),
         "bot_share + admin_share + power_share must be at most 0.9, got 1.06"),
        (dict(time_zones=(0, 0)), "time_zones must hold 1 to 12 different UTC offsets"),
        (dict(time_zones=(0, 900), tz_weights=()), "time_zones must be whole minutes from -720 "
         "to 840, got 900"),
        (dict(time_zones=(0, 60)), "tz_weights must hold one positive weight per time zone (2)"),
        (dict(days=10, train_days=10), "train_days must be at least 1 and less than days (10)"),
    ],
)  # fmt: skip
def test_out_of_range_knobs_are_refused_with_a_clear_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GenerateConfig(**kwargs)


def test_parse_knob_converts_and_checks() -> None:
    assert parse_knob("v6-privacy=0.5") == ("v6_privacy", 0.5)
    assert parse_knob("odd_actors=3") == ("odd_actors", 3)
    assert parse_knob("time_zones=-300, 0,60") == ("time_zones", (-300, 0, 60))
    with pytest.raises(ValueError, match="odd_actors must be a whole number, got 'x'"):
        parse_knob("odd_actors=x")
    cfg = world_config(knobs={"time_zones": (0, 60)})
    assert cfg.tz_weights == () and cfg.zone_weights == pytest.approx((2 / 3, 1 / 3))


def test_docs_list_every_knob_with_its_default_and_range() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, knob in KNOBS.items():
        row = f"| `{name}` | {knob.default} | {knob.lo:g} to {knob.hi:g} |"
        assert row in text, f"docs/worlds.md lacks or misstates {row}"


# ---- variants ----------------------------------------------------------------------------


def test_variants_are_deterministic_and_differ_by_seed_and_family() -> None:
    assert draw_variant(3, "dev") == draw_variant(3, "dev")
    assert draw_variant(3, "dev") != draw_variant(4, "dev")
    assert draw_variant(3, "dev") != replace(draw_variant(3, "holdout"), variant="dev/3")
    cfg = _small(draw_variant(5, "holdout"))
    assert b"".join(render_jsonl(simulate(cfg))) == b"".join(render_jsonl(simulate(cfg)))


def test_cli_variant_gives_byte_identical_files_and_records_every_knob(tmp_path: Path) -> None:
    args = ["generate", "--variant", "2", "--family", "holdout", "--days", "12", "--actors", "20"]
    for name in ("a", "b"):
        res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name
    manifest = orjson.loads((tmp_path / "a" / "manifest.json").read_bytes())
    params = manifest["parameters"]
    drawn = draw_variant(2, "holdout")
    assert params["variant"] == "holdout/2" and manifest["seed"] == 2
    assert params["days"] == 12 and params["actors"] == 20  # given options replace drawn ones
    for name in KNOBS:
        expected = {"actors": 20}.get(name, getattr(drawn, name))
        assert params[name] == expected, name
    assert params["time_zones"] == list(drawn.time_zones)


def test_every_drawn_knob_is_in_its_family_range() -> None:
    for family, specs in FAMILIES.items():
        for seed in range(25):
            cfg = draw_variant(seed, family)
            for name, spec in specs.items():
                if name in KNOBS and spec[0] != "zones":
                    value = getattr(cfg, name)
                    hi = spec[2] if name != "actors" else spec[2]
                    assert spec[1] <= value <= hi, (family, seed, name, value)


def test_the_families_differ_in_every_knob() -> None:
    dev, holdout = FAMILIES["dev"], FAMILIES["holdout"]
    assert set(dev) == set(holdout) and set(KNOBS) <= set(dev)
    same = [k for k in dev if dev[k] == holdout[k]]
    assert not same, same
    # held-out variants are drawn with other settings: e.g. their phones, IPv6 and exits
    v6 = [draw_variant(s, "holdout").v6_privacy for s in range(100, 120)]
    assert min(v6) >= 0.4 and max(draw_variant(s, "dev").v6_privacy for s in range(20)) <= 0.6


def test_variants_stay_near_the_record_budget() -> None:
    from pipes_anomaly.generate.variants import MAX_RECORDS

    big = [draw_variant(s, "holdout") for s in range(100, 140)]
    assert max(c.actors * c.orgs * c.days * c.activity_scale for c in big) < 4 * MAX_RECORDS / 5


# ---- each knob moves what it should ------------------------------------------------------


def _benign_other_creator_share(cfg: GenerateConfig) -> float:
    recs = _records(simulate(cfg))
    touched = [r for r in recs if r["data"]["version_id"] != 1]
    return float(np.mean([r["data"]["created_by_id"] != r["actor_id"] for r in touched]))


def test_team_sharing_moves_how_often_created_by_is_someone_else() -> None:
    shared = _benign_other_creator_share(GenerateConfig(**BASE, team_sharing=1.0))
    own = _benign_other_creator_share(GenerateConfig(**BASE, team_sharing=0.0))
    assert shared > 0.6 and own < shared - 0.25


def test_v6_privacy_gives_a_new_address_in_the_same_64_every_day() -> None:
    w = simulate(GenerateConfig(**BASE, v6_share=1.0, v6_privacy=1.0))
    df = _frame(w)
    v6 = df[(df["ip_kind"] == "home6") & ~df["attack"]].copy()
    tz = w.actors["tz_offset_min"].to_numpy()[v6["actor"]]
    v6["day"] = (v6["ts"] + tz * 60 - w.config.start_ts) // 86_400  # the person's local day
    per = v6.groupby(["actor", "day"])["ip"].nunique()
    assert (per == 1).mean() > 0.95  # one address a day...
    days = v6.groupby("actor")["day"].nunique()
    ips = v6.groupby("actor")["ip"].nunique()
    assert (ips == days).mean() > 0.95  # ...a new one every day
    nets = v6.groupby("actor")["ip"].apply(
        lambda s: len({ipaddress.ip_network(x + "/64", strict=False) for x in s})
    )
    assert (nets == 1).all()  # in one /64
    fixed = _frame(simulate(GenerateConfig(**BASE, v6_share=1.0)))
    fixed = fixed[(fixed["ip_kind"] == "home6") & ~fixed["attack"]]  # attackers draw home6 too
    assert fixed.groupby("actor")["ip"].nunique().max() == 1


def test_elastic_bots_move_within_their_16() -> None:
    w = simulate(GenerateConfig(**BASE, bot_share=0.1, bot_elastic=1.0))
    df = _frame(w)
    bots = df[(df["role"] == "bot") & ~df["look"] & ~df["attack"]]  # misused tokens aside
    per_bot = bots.groupby("actor")["ip"].agg(lambda s: (s.nunique(), {x.rsplit(".", 2)[0]
                                                                      for x in s}))  # fmt: skip
    assert all(n >= 3 for n, _ in per_bot)
    assert all(len(nets) == 1 for _, nets in per_bot)


def test_phones_stay_in_their_16_with_mobile_same_range() -> None:
    def share_in_main_16(cfg: GenerateConfig) -> float:
        df = _frame(simulate(cfg))
        mob = df[(df["ip_kind"] == "mobile") & ~df["attack"] & ~df["look"]]
        nets = mob.assign(net=mob["ip"].str.rsplit(".", n=2).str[0])
        return float(nets.groupby("actor")["net"].agg(lambda s: s.value_counts().iloc[0] / len(s))
                     .mean())  # fmt: skip

    same = share_in_main_16(GenerateConfig(**BASE, mobile_share=0.5, mobile_same_range=1.0))
    anywhere = share_in_main_16(GenerateConfig(**BASE, mobile_share=0.5))
    assert same == 1.0 and anywhere < 0.5


def test_shared_egress_puts_strangers_on_one_exit() -> None:
    cfg = GenerateConfig(**BASE, orgs=2, vpn_share=0.6, personal_vpn_share=0.3, shared_egress=1.0)
    df = _frame(simulate(cfg))
    vpn = df[df["ip_kind"] == "vpn"]
    orgs_per_exit = vpn.groupby("ip")["org"].nunique()
    assert (orgs_per_exit > 1).sum() >= 3
    alone = _frame(simulate(replace(cfg, shared_egress=0.0)))
    assert (alone[alone["ip_kind"] == "vpn"].groupby("ip")["org"].nunique() == 1).all()


def test_office_share_moves_office_traffic() -> None:
    def office(share: float) -> float:
        df = _frame(simulate(GenerateConfig(**BASE, office_share=share)))
        return float((df["ip_kind"] == "office").mean())

    assert office(0.0) == 0.0 and office(1.0) > office(0.6) > 0.1


def test_roles_bots_and_team_size() -> None:
    w = simulate(GenerateConfig(**BASE, bot_share=0.0, admin_share=0.2, team_size=4))
    roles = w.actors["role"].value_counts()
    assert "bot" not in roles and roles["admin"] == 8
    assert w.actors["team"].nunique() == 10
    assert (w.events["ts"] > 0).all()


def test_new_action_share_adds_types_outside_the_51_for_benign_and_attacks() -> None:
    from pipes_anomaly.generate.vocabulary import ACTIONS

    cfg = GenerateConfig(**BASE, new_action_share=0.3, attack_rate=3.0)
    w = simulate(cfg)
    names = np.array(ACTIONS)[w.events["action"]]
    new = ~np.isin(names, ACTION_TYPES)
    assert 0.1 < new.mean() < 0.5 and "user.login" in set(names[new])
    assert new[w.events["incident"] >= 0].any()  # attacks use them too
    attack = w.events["incident"] >= 0
    assert set(names[new & attack]) <= set(names[new & ~attack])
    assert set(w.manifest["actions"]["new_types"]) == set(names[new])
    default = simulate(GenerateConfig(**BASE))
    assert (default.events["action"] < len(ACTION_TYPES)).all()


def test_updated_by_share_decides_which_types_carry_updated_by() -> None:
    none = _records(simulate(GenerateConfig(**BASE, updated_by_share=0.0)))
    assert not any("updated_by_id" in r["data"] for r in none)
    every = _records(simulate(GenerateConfig(**BASE)))
    update_like = [r for r in every if UPDATE_LIKE[ACTION_ID[r["action_type"]]]]
    assert update_like and all("updated_by_id" in r["data"] for r in update_like)


def test_people_carry_a_process_id_only_on_the_platforms_tasks() -> None:
    def shares(share: float) -> pd.Series:
        world = simulate(GenerateConfig(**BASE, person_task_process_share=share))
        people = set(world.actors.loc[world.actors["kind"] == "human", "handle"])
        rows = pd.DataFrame(
            [(r["actor_handle"] in people, r["action_type"], r["process_id"] is not None)
             for r in _records(world)],
            columns=["person", "action", "process"],
        )  # fmt: skip
        rows = rows[rows["person"]]
        return rows.groupby(rows["action"].isin(PLATFORM_TASKS))["process"].mean()

    none, some, every = shares(0.0), shares(0.6), shares(1.0)
    assert none[True] == 0.0 and none[False] == 0.0  # the old habit: people never
    assert 0.45 < some[True] < 0.75 and some[False] == 0.0
    assert every[True] == 1.0 and every[False] == 0.0


def test_time_zones_weekend_and_burstiness() -> None:
    w = simulate(GenerateConfig(**BASE, time_zones=(540, -180), tz_weights=()))
    people = w.actors[w.actors["kind"] == "human"]
    assert set(people["tz_offset_min"]) == {540, -180}
    assert (people["tz_offset_min"] == 540).mean() > 0.5

    def daily_cv_and_weekend(cfg: GenerateConfig) -> tuple[float, float]:
        df = _frame(simulate(cfg))
        df = df[(df["role"] != "bot") & ~df["attack"] & ~df["look"]]
        day = (df["ts"] - cfg.start_ts) // 86_400
        per = df.groupby([df["actor"], day]).size().unstack(fill_value=0)
        weekday = np.array([(cfg.start + dt.timedelta(days=int(d))).weekday() for d in per.columns])
        work = per.loc[:, weekday < 5]
        return float((work.std(axis=1) / work.mean(axis=1)).median()), float(
            per.loc[:, weekday >= 5].to_numpy().mean() / work.to_numpy().mean()
        )

    steady, _ = daily_cv_and_weekend(GenerateConfig(**BASE, burstiness=0.0))
    bursty, _ = daily_cv_and_weekend(GenerateConfig(**BASE, burstiness=3.0))
    assert bursty > steady + 0.3
    _, quiet = daily_cv_and_weekend(GenerateConfig(**BASE, weekend_worker_share=0.0))
    _, busy = daily_cv_and_weekend(GenerateConfig(**BASE, weekend_rate=0.8))
    assert quiet < 0.1 < 0.5 < busy


def test_activity_scale_scales_records() -> None:
    low = simulate(GenerateConfig(**BASE, activity_scale=0.5, bot_share=0.0)).n_records
    high = simulate(GenerateConfig(**BASE, activity_scale=2.0, bot_share=0.0)).n_records
    assert 2.5 < high / low < 6


def test_joiners_and_leavers() -> None:
    cfg = GenerateConfig(**BASE, joiner_share=0.2, leaver_share=0.2, lookalikes=False,
                         attack_rate=0.0)  # fmt: skip
    w = simulate(cfg)
    dates = [(cfg.start + dt.timedelta(days=d)).isoformat() for d in range(cfg.days)]
    people = w.actors[w.actors["kind"] == "human"]
    assert (people["active_from"] > dates[0]).sum() >= 0.15 * len(people)
    leavers = people[people["active_to"] < dates[-1]]
    assert len(leavers) >= 0.15 * len(people)
    recs = _records(w)
    removed = {
        r["target_id"]: r["created_at"] for r in recs if r["action_type"] == "org.member.delete"
    }
    for row in leavers.itertuples():
        assert row.actor_id in removed  # an admin removed them...
        mine = [r["created_at"] for r in recs if r["actor_id"] == row.actor_id]
        assert not mine or max(mine) < removed[row.actor_id]  # ...after their last work
    by_leaver = [r for r in recs if r["data"]["created_by_id"] in set(leavers["actor_id"])
                 and r["actor_id"] not in set(leavers["actor_id"])]  # fmt: skip
    assert by_leaver  # their resources live on under teammates


def test_a_workspace_membership_names_someone_employed_that_day() -> None:
    # an ordinary grant names a team member at work that day, never a hire before they join
    # or a leaver after they go (a contractor is added before starting, on purpose)
    w = simulate(GenerateConfig(**BASE, joiner_share=0.2, leaver_share=0.2, mimic_rate=1.0))
    span = w.actors.set_index("actor_id")[["active_from", "active_to"]]
    labelled = set(w.labels["record_id"])
    contractor = w.lookalikes.loc[w.lookalikes["kind"] == "contractor_access"]
    exempt = set(zip(contractor["actor_id"], contractor["day"].astype(str), strict=True))
    grants = [
        r for r in _records(w)
        if r["action_type"] == "org.workspace.member.add" and r["id"] not in labelled
        and (r["actor_id"], r["created_at"][:10]) not in exempt
    ]  # fmt: skip
    named = [(r["data"]["user_id"], r["created_at"][:10]) for r in grants]
    named = [(u, d) for u, d in named if u in span.index]  # invitees never act
    hired = [(u, d) for u, d in named if span.loc[u, "active_from"] > BASE["start"].isoformat()]
    assert len(named) >= 10 and hired  # joiners are among those granted
    for user, day in named:
        assert span.loc[user, "active_from"] <= day <= span.loc[user, "active_to"], (user, day)


def _people(w) -> pd.DataFrame:
    """Benign records of people, with their local hour and local day."""
    df = _frame(w)
    df = df[(df["role"] != "bot") & ~df["attack"] & ~df["look"]].copy()
    local = df["ts"] + w.actors["tz_offset_min"].to_numpy()[df["actor"]] * 60 - w.config.start_ts
    df["day"], df["hour"] = local // 86_400, local % 86_400 / 3600
    return df


def _kind_share(kind: str):
    return lambda w: float((_people(w)["ip_kind"] == kind).mean())


def _distinct_ips(kind: str):
    def count(w) -> int:
        df = _people(w)
        return df.loc[df["ip_kind"] == kind, "ip"].nunique()

    return count


def _owner_team_share(w) -> float:
    """Median share of a workspace's records that come from its main team (lower: more
    cross-team work)."""
    team = dict(zip(w.actors["actor_id"], w.actors["team"], strict=True))
    per: dict[str, list] = {}
    for r in _records(w):
        ws = r["data"].get("workspace_id")
        if ws:
            per.setdefault(ws, []).append(team[r["actor_id"]])
    return float(np.median([pd.Series(t).value_counts(normalize=True).iloc[0]
                            for t in per.values() if len(t) >= 10]))  # fmt: skip


def _idle_weekdays(w) -> float:
    df = _people(w)
    days = np.arange(w.config.days)
    weekdays = days[[(w.config.start + dt.timedelta(days=int(d))).weekday() < 5 for d in days]]
    busy = df.groupby("actor")["day"].apply(lambda s: len(set(weekdays) - set(s)))
    return float(busy.mean())


KNOB_EFFECTS = {
    "cross_team_share": (0.0, 0.5, lambda w: -_owner_team_share(w)),
    "home_change_share": (0.0, 1.0, _distinct_ips("home")),
    "vpn_share": (0.0, 1.0, _kind_share("vpn")),
    "personal_vpn_share": (0.0, 0.5, _distinct_ips("vpn")),
    "cloud_desk_share": (0.0, 0.5, _kind_share("cloud")),
    "mobile_share": (0.0, 0.5, _kind_share("mobile")),
    "holiday_share": (0.0, 1.0, _idle_weekdays),
    "evening_share": (0.0, 0.5, lambda w: float((_people(w)["hour"] >= 19.5).mean())),
    "session_spread_min": (5.0, 120.0, lambda w: float(
        _people(w).groupby(["actor", "day"])["hour"].std().median())),
    "rate_spread": (0.0, 1.5, lambda w: float(
        (lambda n: n.std() / n.mean())(_people(w).groupby("actor").size()))),
    "offices": (1, 6, _distinct_ips("office")),
    "office_nat_ips": (1, 8, _distinct_ips("office")),
    "power_share": (0.05, 0.5, lambda w: int((w.actors["role"] == "power").sum())),
    "attack_rate": (0.5, 3.0, lambda w: len(w.labels)),
    "lookalike_rate": (0.5, 3.0, lambda w: len(w.lookalikes)),
}  # fmt: skip
#: knobs whose counts need a bigger world to move (a tiny one gets one of each)
_BIGGER = {"attack_rate": dict(actors=150), "lookalike_rate": dict(actors=150)}


@pytest.mark.parametrize("knob", sorted(KNOB_EFFECTS))
def test_knob_moves_its_measure(knob: str) -> None:
    low, high, measure = KNOB_EFFECTS[knob]
    base = {**BASE, **_BIGGER.get(knob, {})}
    m_low = measure(simulate(GenerateConfig(**base, **{knob: low})))
    m_high = measure(simulate(GenerateConfig(**base, **{knob: high})))
    assert m_high > m_low, (knob, m_low, m_high)


def test_only_actor_mismatch_forges_the_acting_id_whatever_the_api_carries() -> None:
    cfg = GenerateConfig(**BASE, updated_by_share=0.3, new_action_share=0.2, subtle_share=0.5,
                         persistent_attackers=2, attack_rate=2.0, mimic_rate=1.0)  # fmt: skip
    w = simulate(cfg)
    labels = w.labels.set_index("record_id")["scenario"]
    forged = set()
    for r in _records(w):
        d = r["data"]
        acting = d.get("updated_by_id", d["created_by_id"] if d["version_id"] == 1 else None)
        if acting not in (None, r["actor_id"]):
            forged.add(r["id"])
    assert {labels.get(i) for i in forged} == {"actor_mismatch"}
    assert set(labels[labels == "actor_mismatch"].index) <= forged


# ---- attack forms ------------------------------------------------------------------------


def test_every_scenario_has_a_subtle_form() -> None:
    assert set(SUBTLE_FUNCS) == set(Scenario)


def test_subtle_share_makes_incidents_smaller() -> None:
    def records_per_incident(share: float) -> tuple[float, set]:
        w = simulate(GenerateConfig(**BASE, attack_rate=2.0, subtle_share=share, lookalikes=False))
        forms = {i["form"] for i in w.manifest["incidents"]}
        return float(w.labels.groupby("incident_id").size().mean()), forms

    plain, plain_forms = records_per_incident(0.0)
    subtle, subtle_forms = records_per_incident(1.0)
    assert plain_forms == {"plain"} and subtle_forms == {"subtle"}
    assert subtle < 0.6 * plain


def test_persistent_attackers_act_from_the_first_training_day_to_the_end() -> None:
    cfg = GenerateConfig(**BASE, persistent_attackers=2, attack_rate=0.5)
    w = simulate(cfg)
    persistent = [i for i in w.manifest["incidents"] if i["period"] == "persistent"]
    assert len(persistent) == 2
    days = pd.to_datetime(w.window_labels["day"]).dt.date
    for inc in persistent:
        mine = days[w.window_labels["incident_id"] == inc["incident_id"]]
        assert mine.min() <= cfg.start + dt.timedelta(days=1)
        assert mine.max() >= cfg.start + dt.timedelta(days=cfg.train_days)  # test period too
        assert mine.nunique() >= 3


def _named(r: dict) -> tuple[str, ...]:
    """The users a record names: its actor, its target (a membership), its maker, its updater."""
    d = r["data"]
    return r["actor_id"], r["target_id"], d["created_by_id"], d.get("updated_by_id", "")


def _first_user(records: list[dict]) -> dict[str, str]:
    """Who first used each address (records in time order)."""
    first: dict[str, str] = {}
    for r in records:
        first.setdefault(r["actor_ip"], r["actor_id"])
    return first


@pytest.mark.parametrize("subtle", [0.0, 1.0])
def test_privilege_persistence_adds_a_backdoor_that_acts_days_later(subtle: float) -> None:
    # every other scenario, mimic, odd actor, joiner and leaver around it: none touches it
    cfg = GenerateConfig(**{**BASE, "actors": 80}, attack_rate=3.0, subtle_share=subtle,
                         mimic_rate=1.0, odd_actors=1, joiner_share=0.1,
                         leaver_share=0.1)  # fmt: skip
    w = simulate(cfg)
    recs = _records(w)
    first_user = _first_user(recs)
    actors = w.actors.set_index("actor_id")
    labels = w.labels.set_index("record_id")["incident_id"]
    forms = {i["incident_id"]: (i["form"], i["actor_id"]) for i in w.manifest["incidents"]
             if i["scenario"] == "privilege_persistence"}  # fmt: skip
    assert len(forms) >= 2 and {f for f, _ in forms.values()} == {"subtle" if subtle else "plain"}
    for inc, (form, granter) in forms.items():
        mine = [r for r in recs if labels.get(r["id"]) == inc]
        adds = [r for r in mine if r["action_type"] == "org.member.add"]
        assert len(adds) == 1 and adds[0]["actor_id"] == granter
        backdoor, added_at = adds[0]["target_id"], adds[0]["created_at"]
        grants = [r for r in mine if r["action_type"].startswith("org.")]
        assert all(r["actor_id"] == granter and r["target_id"] == backdoor for r in grants)
        owner_ws = {r["data"]["workspace_id"] for r in grants
                    if r["action_type"].startswith("org.workspace.member.")
                    and r["data"]["role"] == "owner"}  # fmt: skip
        assert owner_ws and (form == "plain" or len(owner_ws) == 1)
        # an account nobody saw before it was added; every record of it is the incident's
        row = actors.loc[backdoor]
        assert row["role"] == "normal" and re.fullmatch(r"[a-z]+\d+", row["handle"])
        named = [r for r in recs if backdoor in _named(r)]
        assert min(r["created_at"] for r in named) == added_at
        own = [r for r in recs if r["actor_id"] == backdoor]
        assert own and all(labels.get(r["id"]) == inc for r in own)
        first = dt.date.fromisoformat(own[0]["created_at"][:10])
        assert 1 <= (first - dt.date.fromisoformat(added_at[:10])).days <= 7
        # its first day (local to whoever uses it) in actors.csv
        assert abs((first - dt.date.fromisoformat(row["active_from"])).days) <= 1
        assert own[0]["created_at"] >= w.manifest["test_period"]["start"]
        if form == "plain":  # from addresses nobody used before (networks new to the org)
            assert all(first_user[r["actor_ip"]] == backdoor for r in own)
        else:  # an admin, quietly: one member, one workspace, the admin's own addresses
            assert actors.loc[granter, "role"] == "admin"
            assert adds[0]["data"]["role"] == "member" and 1 <= len(own) <= 6
            granter_ips = {r["actor_ip"] for r in recs if r["actor_id"] == granter}
            assert {r["actor_ip"] for r in own} <= granter_ips


@pytest.mark.parametrize("seed", [3, 5])
def test_no_record_names_a_fresh_account_before_it_is_added(seed: int) -> None:
    # a reorganisation once made contractors owners before any admin had added them
    cfg = GenerateConfig(**{**BASE, "actors": 80}, seed=seed, attack_rate=3.0, mimic_rate=1.0)
    w = simulate(cfg)
    recs = _records(w)
    actors = w.actors.set_index("actor_id")
    fresh = set(actors.index[(actors["kind"] == "human") & (actors["rate"] == 0)])
    added = {r["target_id"]: r["created_at"] for r in recs
             if r["action_type"] == "org.member.add" and r["target_id"] in fresh}  # fmt: skip
    assert added
    for r in recs:
        text = json.dumps(r)
        for user, at in added.items():
            assert user not in text or r["created_at"] >= at, (user, r["action_type"])


def test_contractor_access_is_listed_and_starts_from_a_new_network() -> None:
    cfg = GenerateConfig(**{**BASE, "actors": 150}, mimic_rate=3.0, lookalike_rate=0.0,
                         attack_rate=0.0)  # fmt: skip
    w = simulate(cfg)
    recs = _records(w)
    looks = w.lookalikes[w.lookalikes["kind"] == "contractor_access"]
    assert len(looks) and not len(w.labels)
    actors = w.actors.set_index("actor_id")
    # the contractors: people without ordinary activity of their own (actors.csv rate 0)
    fresh = set(actors.index[(actors["kind"] == "human") & (actors["rate"] == 0)])
    adds = [r for r in recs if r["action_type"] == "org.member.add" and r["target_id"] in fresh]
    assert len(adds) == len(fresh) >= 2
    assert all(actors.loc[r["actor_id"], "role"] == "admin" for r in adds)
    worked = 0
    for add in adds:
        c = add["target_id"]
        own = [r for r in recs if r["actor_id"] == c]
        named = [r for r in recs if c in _named(r)]
        assert min(r["created_at"] for r in named) == add["created_at"]
        if not own:
            continue  # added at the very end of the timeline
        worked += 1
        assert own[0]["created_at"][:10] > add["created_at"][:10]
        assert len({r["actor_ip"] for r in own}) == 1  # their company's network
        assert all(x["actor_ip"] != own[0]["actor_ip"] for x in recs
                   if x["created_at"] < own[0]["created_at"])  # fmt: skip
        days = {(c, r["created_at"][:10]) for r in own}
        assert days <= set(zip(looks["actor_id"], looks["day"], strict=True))
    assert worked


# ---- look-alikes -------------------------------------------------------------------------


def test_every_lookalike_kind_appears_and_mimics_name_real_scenarios() -> None:
    assert set(MIMICS) == set(MIMICKED) and set(MIMICKED.values()) == set(SCENARIOS)
    cfg = GenerateConfig(**BASE, mimic_rate=1.0, odd_actors=2, bot_share=0.1)
    kinds = set(simulate(cfg).lookalikes["kind"])
    missing = set(LOOKALIKES) - kinds
    for seed in range(1, 4):  # an odd actor is a shared account or a broken bot by chance
        if not missing:
            break
        missing &= set(LOOKALIKES) - set(simulate(replace(cfg, seed=seed)).lookalikes["kind"])
    assert not missing, missing


def test_lookalike_records_are_never_labelled_in_variants() -> None:
    for seed in (0, 1):
        w = simulate(_small(draw_variant(seed, "dev")))
        ev = w.events
        assert (ev["incident"][ev["lookalike"] >= 0] == -1).all()


def test_covering_a_teammate_names_the_teammate_as_creator() -> None:
    w = simulate(GenerateConfig(**BASE, mimic_rate=2.0, lookalike_rate=0.0))
    looks = set(w.lookalikes.loc[w.lookalikes["kind"] == "covering_teammate", "actor_id"])
    recs = [r for r in _records(w) if r["actor_id"] in looks and "updated_by_id" in r["data"]]
    other = [r for r in recs if r["data"]["created_by_id"] != r["actor_id"]]
    assert other and all(r["data"]["updated_by_id"] == r["actor_id"] for r in other)


# ---- no attack-only artefacts in any variant -------------------------------------------


def _ip_range(ip: str) -> str:
    """The part of an address its kind's range fixes: the first group or octet."""
    return ip.split(":")[0] if ":" in ip else ip.split(".")[0]


def _in_vocabulary(ip: str, kind: str) -> bool:
    """Whether ``ip`` lies in a range benign actors of its kind are drawn from too."""
    if kind == "home6":
        return ip.split(":")[0] in IP6_PREFIXES
    return any(ip.startswith(".".join(map(str, h)) + ".") for h in IP_PREFIXES[kind])


def _word(handle: str) -> str:
    """A target handle without its number; any user's handle (a membership) is one value."""
    if re.fullmatch(r"[a-z]+\d+|svc-[a-z]+-\d+", handle):  # a person's or a bot's
        return "<user>"
    return re.sub(r"[-_]\d+$", "", handle)


def _shapes(w) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attack and benign records of world ``w``: the values a record shows."""
    labelled = set(w.labels["record_id"])
    kinds = dict(zip(w.ips["ip"], w.ips["kind"], strict=True))
    rows = []
    for r in _records(w):
        d = r["data"]
        rows.append((r["id"] in labelled, r["action_type"], r["actor_ip"], kinds[r["actor_ip"]],
                     r["actor_handle"], _word(r["target_handle"]), tuple(sorted(r)),
                     tuple(sorted(d)), d.get("role"), r["created_at"][17:19],
                     r["target_handle"]))  # fmt: skip
    cols = ["attack", "action", "ip", "kind", "handle", "word", "keys", "data_keys", "role", "sec",
            "target"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    return df[df["attack"]], df[~df["attack"]]


VARIANTS = [("dev", 0), ("dev", 1), ("holdout", 100), ("holdout", 101)]


@pytest.fixture(scope="module", params=VARIANTS, ids=[f"{f}-{s}" for f, s in VARIANTS])
def variant_shapes(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame]:
    family, seed = request.param
    cfg = replace(_small(draw_variant(seed, family), actors=150, days=28), train_days=18)
    return _shapes(simulate(cfg))


def test_attack_records_draw_every_value_from_benign_ones(variant_shapes) -> None:
    att, ben = variant_shapes
    assert len(att) > 10
    assert set(att["action"]) <= set(ben["action"])
    # attackers act as real actors: the only ones no benign record shows are the accounts an
    # attack added to the organisation (privilege_persistence's backdoors), named like anyone
    added = set(att.loc[att["action"] == "org.member.add", "target"])
    assert set(att["handle"]) - set(ben["handle"]) <= added
    assert all(re.fullmatch(r"[a-z]+\d+", h) for h in added)
    assert set(att["kind"]) <= set(ben["kind"])
    assert all(_in_vocabulary(ip, k) for ip, k in zip(att["ip"], att["kind"], strict=True))
    words = {w for ws in HANDLE_WORDS.values() for w in ws} | {"<user>", *ORG_WORDS}
    assert set(att["word"]) <= words  # resources they make are named like anyone's
    shapes = set(zip(ben["action"], ben["keys"], ben["data_keys"], strict=True))
    assert set(zip(att["action"], att["keys"], att["data_keys"], strict=True)) <= shapes
    assert set(att["role"].dropna()) <= set(ben["role"].dropna())
    assert att["sec"].nunique() > 20


def test_in_an_organisation_of_150_attacks_use_only_ranges_and_words_benign_records_use() -> None:
    cfg = replace(draw_variant(100, "holdout"), actors=150, orgs=1, days=28, train_days=18)
    att, ben = _shapes(simulate(cfg))
    assert set(att["ip"].map(_ip_range)) <= set(ben["ip"].map(_ip_range))
    assert set(att["word"]) <= set(ben["word"])
