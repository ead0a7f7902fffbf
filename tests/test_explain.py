import numpy as np
import pandas as pd
import pytest

from pipes_anomaly import catalog
from pipes_anomaly import explain as explain_module
from pipes_anomaly.explain import Baseline, evidence, explain, format_value, render_reason

COLS = ("log_destructive", "share_off_hours", "log_events", "events_vs_self", "is_new_actor")
DESC = {
    "log_destructive": "destructive actions (log1p)",
    "share_off_hours": "share of events outside the actor's usual hours",
    "log_events": "events in the window (log1p)",
    "events_vs_self": "event volume vs the actor's own baseline (robust z)",
    "is_new_actor": "actor never seen before this window",
}


def _training(seed: int, n_days: int = 40) -> pd.DataFrame:
    """Two actors over n_days: 'alice' busy in office hours, 'bob' quiet; few deletes."""
    rng = np.random.default_rng(seed)
    rows = []
    for actor, rate in (("u_alice", 20), ("u_bob", 3)):
        for d in range(n_days):
            n = rng.poisson(rate) + 1
            rows.append(
                {
                    "actor_id": actor,
                    "window_start": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=d),
                    "log_destructive": np.log1p(rng.binomial(1, 0.05)),
                    "share_off_hours": rng.uniform(0, 0.1),
                    "log_events": np.log1p(n),
                    "events_vs_self": rng.normal(0, 1),
                    "is_new_actor": 0.0,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def baseline(seed) -> Baseline:
    return Baseline.fit(_training(seed), COLS)


def _window(actor: str, **values) -> pd.DataFrame:
    row = {"actor_id": actor, "log_destructive": 0.0, "share_off_hours": 0.05}
    row.update({"log_events": np.log1p(20), "events_vs_self": 0.0, "is_new_actor": 0.0})
    row.update(values)
    return pd.DataFrame([row])


def test_mass_deletion_reason_is_actual_vs_typical(baseline):
    w = _window("u_bob", log_destructive=np.log1p(9), share_off_hours=0.74)
    out = explain(w, baseline, descriptions=DESC)
    reasons = out["reasons"].iloc[0].split("; ")
    assert "9 destructive actions vs typically 0" in reasons
    assert any(
        r.startswith("74% of events outside the actor's usual hours vs typically") for r in reasons
    )
    assert set(out["reason_features"].iloc[0]) >= {"log_destructive", "share_off_hours"}


def test_typical_is_the_actors_own(baseline):
    # 20 events: ordinary for alice, a lot for bob
    alice = explain(_window("u_alice"), baseline, descriptions=DESC)
    bob = explain(_window("u_bob", log_events=np.log1p(60)), baseline, descriptions=DESC)
    assert "log_events" not in alice["reason_features"].iloc[0]
    assert "log_events" in bob["reason_features"].iloc[0]
    typical_bob = int(round(np.expm1(baseline.actor_typical.loc["u_bob", "log_events"])))
    assert f"60 events in the window vs typically {typical_bob}" in bob["reasons"].iloc[0]


def test_unseen_actor_is_compared_with_everyone(baseline):
    w = _window("u_new", log_destructive=np.log1p(4), is_new_actor=1.0)
    out = explain(w, baseline, descriptions=DESC)
    text = out["reasons"].iloc[0]
    assert "4 destructive actions vs typically 0" in text
    assert "actor never seen before this window" in text


def test_ordinary_window_has_no_reason(baseline):
    out = explain(_window("u_alice", share_off_hours=0.02), baseline, descriptions=DESC)
    assert out["reasons"].iloc[0] == "" and out["reason_features"].iloc[0] == ()


def test_robust_z_is_told_in_counts_once(baseline):
    w = _window("u_bob", log_events=np.log1p(80), events_vs_self=9.0)
    out = explain(w, baseline, descriptions=DESC)
    sentences = out["reasons"].iloc[0].split("; ")
    about_events = [s for s in sentences if "events in the window" in s]
    assert len(about_events) == 1 and about_events[0].startswith("80 events in the window")


def test_every_reason_names_a_real_feature_and_its_values(seed):
    """On the real feature set: each sentence matches its feature's actual and typical."""
    rng = np.random.default_rng(seed)
    cols = catalog.FEATURE_COLUMNS
    n = 300
    train = pd.DataFrame(rng.gamma(0.3, 0.5, size=(n, len(cols))), columns=list(cols))
    for c in cols:
        if c.startswith(("share_", "is_")) or c in ("short_lifetime", "switch_closeness"):
            train[c] = np.clip(train[c], 0, 1)
    train.insert(0, "actor_id", rng.choice(["u_a", "u_b", "u_c"], size=n))
    base = Baseline.fit(train, cols)
    test = train.sample(40, random_state=seed).reset_index(drop=True)
    test.loc[:, list(cols)] = test.loc[:, list(cols)].to_numpy() * rng.uniform(1, 6, size=(40, 1))
    out = explain(test, base)
    typical = base.typical(test)
    n_reasons = 0
    for i in range(len(test)):
        names = out["reason_features"].iloc[i]
        texts = out["reasons"].iloc[i].split("; ") if names else []
        assert len(texts) == len(names) <= 3
        for name, text in zip(names, texts, strict=True):
            assert name in cols
            j = cols.index(name)
            shown = name
            if (
                name.endswith(("_vs_self", "_vs_peers"))
                and "log_" + name.rsplit("_vs_", 1)[0] in cols
            ):
                shown = "log_" + name.rsplit("_vs_", 1)[0]
                j = cols.index(shown)
            desc = catalog.FEATURE_DESCRIPTIONS[shown].removesuffix(" (log1p)")
            desc = desc.removesuffix(" (log ratio)").removeprefix("share of ")
            desc = desc.removesuffix(", as 1/(1 + hours)")
            desc = desc.removesuffix(" (as exp(-minutes/60))")
            if desc.endswith(" (robust z)"):  # "<what> 3.2 standard deviations above <peers>"
                desc = desc.removesuffix(" (robust z)").split(" vs ", 1)[0]

            def singular(t: str) -> str:
                return " ".join(w.removesuffix("s") for w in t.split(" "))

            assert singular(desc) in singular(text)
            if shown.startswith("log_"):
                a, t = np.expm1(test[shown].iloc[i]), np.expm1(typical[i, j])
                assert (
                    text.startswith(f"{format_value(a)} ") or f": {format_value(a)} vs" in text
                ) and f"typically {format_value(t)}" in text
            n_reasons += 1
    assert n_reasons > 20


def test_render_reason_forms():
    assert (
        render_reason(
            "log_new_ips",
            np.log1p(3),
            0.0,
            description="IPs never seen before for this actor (log1p)",
        )
        == "3 IPs never seen before for this actor vs typically 0"
    )
    assert (
        render_reason(
            "log_mismatch",
            np.log1p(1),
            0.0,
            description="records whose actor differs from data.created_by_id (log1p)",
        )
        == "1 record whose actor differs from data.created_by_id vs typically 0"
    )
    assert (
        render_reason(
            "share_destructive", 0.5, 0.0, description="share of destructive actions", share=True
        )
        == "50% destructive actions vs typically 0%"
    )
    assert (
        render_reason(
            "trail_runs_vs_self",
            np.log(4.0),
            0.0,
            description="pipeline runs over the trailing windows vs the actor's rate (log ratio)",
        )
        == "pipeline runs over the trailing windows vs the actor's rate: 4.0x vs typically 1.0x"
    )
    assert (
        render_reason(
            "hour_entropy", 3.25, 1.0, description="spread of activity over hours of the day (bits)"
        )
        == "spread of activity over hours of the day (bits): 3.2 vs typically 1"
    )
    assert format_value(1234.4) == "1,234"
    assert (
        render_reason(
            "short_lifetime",
            1 / (1 + 0.25),
            0.0,
            description="shortest lifetime of a deleted resource, as 1/(1 + hours)",
        )
        == "shortest lifetime of a deleted resource: 15 min vs typically none"
    )
    assert (
        render_reason(
            "log_peak_per_minute",
            np.log1p(16),
            np.log1p(1),
            description="most events in one minute (log1p)",
        )
        == "most events in one minute: 16 vs typically 1"
    )


def test_baseline_direction_up_unless_told():
    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        {"actor_id": ["a"] * 500, "up": rng.exponential(1, 500), "down": -rng.exponential(1, 500)}
    )
    assert list(Baseline.fit(train, ("up", "down")).direction) == [1.0, 1.0]
    base = Baseline.fit(train, ("up", "down"), lower_is_unusual=["down"])
    assert list(base.direction) == [1.0, -1.0]
    out = explain(
        pd.DataFrame({"actor_id": ["a"], "up": [0.0], "down": [-9.0]}),
        base,
        descriptions={"up": "up", "down": "down"},
    )
    assert out["reason_features"].iloc[0] == ("down",)


# --------------------------------------------------------------------------- evidence


def _events() -> tuple[pd.DataFrame, pd.DataFrame]:
    t0 = pd.Timestamp("2024-03-05 00:00", tz="UTC")
    ev = pd.DataFrame(
        {
            "id": [f"a_{i:03d}" for i in range(30)],
            "actor_id": ["u_bob"] * 25 + ["u_alice"] * 5,
            "created_at": [t0 + pd.Timedelta(minutes=10 * i) for i in range(25)]
            + [t0 + pd.Timedelta(days=1, minutes=i) for i in range(5)],
        }
    )
    flags = pd.DataFrame(
        {
            "is_destructive": [i % 2 == 0 for i in range(30)],
            "is_off_hours": [i in (3, 5) for i in range(30)],
        }
    )
    return ev, flags


def test_evidence_lists_flagged_records_of_the_window_capped():
    ev, flags = _events()
    t0 = pd.Timestamp("2024-03-05", tz="UTC")
    windows = pd.DataFrame(
        {
            "actor_id": ["u_bob", "u_bob", "u_alice", "u_alice"],
            "window_start": [t0, t0, t0 + pd.Timedelta(days=1), t0 + pd.Timedelta(days=1)],
            "window_end": [t0 + pd.Timedelta(days=1)] * 2 + [t0 + pd.Timedelta(days=2)] * 2,
        }
    )
    emap = {"log_destructive": "is_destructive", "share_off_hours": "is_off_hours"}
    reasons = [("log_destructive",), ("share_off_hours",), ("log_events",), ()]
    out = evidence(ev, flags, windows, reasons, cap=5, evidence_map=emap)
    assert out[0] == "a_000 a_002 a_004 a_006 a_008"  # flagged, earliest first, capped
    assert out[1] == "a_003 a_005"
    assert out[2] == "a_025 a_026 a_027 a_028 a_029"  # no flag for log_events: the window's records
    assert out[3] == out[2]  # no reasons: the window's first records


def test_reasons_only_for_values_that_read_differently(baseline):
    # bob typically makes no delete: 403 vs 393 on a busy actor, or a sub-day gap read as
    # "0 days vs typically 0", is no deviation however rare its tiny excess
    busy = Baseline.fit(_training(0).assign(log_destructive=np.log1p(393.0)), COLS)
    w = _window("u_bob", log_destructive=np.log1p(403.0))
    assert "log_destructive" not in explain(w, busy, descriptions=DESC)["reason_features"].iloc[0]
    w = _window("u_bob", log_destructive=np.log1p(620.0))
    assert (
        explain(w, busy, descriptions=DESC)["reasons"]
        .iloc[0]
        .startswith("620 destructive actions vs typically 393")
    )
    train = pd.DataFrame(
        {"actor_id": ["u_a"] * 50, "days_since_last_seen": np.r_[np.zeros(49), 0.001]}
    )
    days = Baseline.fit(train, ("days_since_last_seen",))
    out = explain(
        pd.DataFrame({"actor_id": ["u_a"], "days_since_last_seen": [0.01]}),
        days,
        descriptions={"days_since_last_seen": "days since the actor was last seen (log1p)"},
    )
    assert out["reasons"].iloc[0] == ""


def test_an_actor_odd_every_day_is_told_against_all_actors():
    # u_odd fails 40% of its actions every day; nobody else fails
    rows = [{"actor_id": "u_odd", "share_failure": 0.4} for _ in range(20)]
    rows += [{"actor_id": f"u_{k}", "share_failure": 0.0} for k in range(8) for _ in range(20)]
    train = pd.DataFrame(rows)
    base = Baseline.fit(train, ("share_failure",))
    window = pd.DataFrame({"actor_id": ["u_odd"], "share_failure": [0.4]})
    desc = {"share_failure": "share of failed or suspicious actions"}
    assert explain(window, base, descriptions=desc)["reasons"].iloc[0] == ""
    rarity = np.array([[20 / 180]])  # one window in nine reached 40%
    out = explain(window, base, descriptions=desc, rarity=rarity, max_share=0.2)
    assert out["reasons"].iloc[0] == (
        "40% failed or suspicious actions vs typically 0% across actors"
    )


def test_standardised_values_and_closeness_are_told_in_analyst_terms():
    z = render_reason(
        "events_vs_peers",
        3.2,
        0.1,
        description="event volume vs peers in the same org and kind (robust z)",
    )
    assert (
        z == "event volume 3.2 standard deviations above peers in the same org and kind "
        "(typically 0.1)"
    )
    gap = render_reason(
        "novel_switch_closeness",
        np.exp(-2 / 60),
        0.0,
        description=catalog.FEATURE_DESCRIPTIONS["novel_switch_closeness"],
    )
    assert gap.endswith(": 2 min vs typically none")
    # less than two standard deviations above the typical value is no reason
    train = pd.DataFrame({"actor_id": ["u_a"] * 50, "events_vs_peers": np.linspace(-1, 1, 50)})
    base = Baseline.fit(train, ("events_vs_peers",))
    desc = {"events_vs_peers": "event volume vs peers (robust z)"}
    window = pd.DataFrame({"actor_id": ["u_a", "u_a"], "events_vs_peers": [1.5, 2.5]})
    out = explain(window, base, descriptions=desc)
    assert out["reasons"].tolist()[0] == ""
    assert out["reasons"].tolist()[1].startswith("event volume 2.5 standard deviations above")


def test_a_count_behind_a_peer_z_is_told_against_the_actors_own_typical_value():
    # u_a deletes 393 a day every day, u_b 82: a day of 393 is usual for u_a, rare across
    # actors; its peer z is told in u_a's own counts, which read the same: no peer reason
    rng = np.random.default_rng(0)
    rows = [
        {"actor_id": a, "log_destructive": np.log1p(n), "destructive_vs_peers": rng.normal(0, 0.3)}
        for a, n in (("u_a", 393), ("u_b", 82))
        for _ in range(30)
    ]
    base = Baseline.fit(pd.DataFrame(rows), ("log_destructive", "destructive_vs_peers"))
    window = pd.DataFrame(
        {"actor_id": ["u_a"], "log_destructive": [np.log1p(393)], "destructive_vs_peers": [5.0]}
    )
    desc = {
        "log_destructive": "destructive actions (log1p)",
        "destructive_vs_peers": "destructive actions vs peers (robust z)",
    }
    rarity = np.array([[0.02, 1.0]])  # 393 deletes: rare across actors
    out = explain(window, base, descriptions=desc, rarity=rarity)
    assert out["reason_features"].iloc[0] == ("log_destructive",)
    assert out["reasons"].iloc[0].startswith("393 destructive actions vs typically ")
    assert out["reasons"].iloc[0].endswith(" across actors")


def test_reasons_print_no_negative_zero_and_a_singular_count_of_one():
    desc = catalog.FEATURE_DESCRIPTIONS
    z = render_reason("runs_growth_vs_peers", 2.34, -0.04, description=desc["runs_growth_vs_peers"])
    assert z.endswith("2.3 standard deviations above peers' growth (typically 0.0)")
    assert "-0" not in render_reason("events_vs_self", -0.0, -0.01, description="x vs y (robust z)")
    assert format_value(-0.04) == "0"
    assert format_value(-0.3) == "-0.3"
    assert explain_module._decimal(-0.04) == "0.0"
    assert explain_module._decimal(-0.0, 2) == "0.00"
    assert explain_module._decimal(-0.06) == "-0.1"
    _, _, labels = explain_module.told_values(
        "trail_runs_vs_self",
        np.array([np.log(0.96), -0.0]),
        description=desc["trail_runs_vs_self"],
    )
    assert labels == ["1.0x", "1.0x"]

    def one(feature: str) -> str:
        return render_reason(feature, np.log1p(1), 0.0, description=desc[feature])

    assert one("days_since_last_seen") == "1 day since the actor was last seen vs typically 0"
    assert one("log_events") == "1 event in the window vs typically 0"
    assert one("log_mismatch").startswith("1 record whose acting id")
    assert one("log_networks") == "1 distinct network, /16 or /48 vs typically 0"
    assert one("log_self_grants").startswith("1 membership or role the actor added")
    many = render_reason(
        "days_since_last_seen", np.log1p(2), 0.0, description=desc["days_since_last_seen"]
    )
    assert many == "2 days since the actor was last seen vs typically 0"
    # every count phrase of the catalogue has a singular for a count of one
    for feature, text in desc.items():
        if text.endswith("(log1p)") and not text.startswith("most "):
            two = render_reason(feature, np.log1p(2), 0.0, description=text)
            assert one(feature)[2:] != two[2:], feature


def test_reasons_about_the_type_grown_most_name_it(tmp_path):
    import orjson

    from pipes_anomaly.explain import name_grown_types
    from pipes_anomaly.features import build_features_and_flags
    from pipes_anomaly.io import read_events

    def rec(i: int, day: int, action: str) -> dict:
        return {
            "id": f"a_{i:020d}",
            "action_type": action,
            "actor_id": "u_alice",
            "actor_handle": "alice",
            "actor_ip": "10.1.2.3",
            "created_at": f"2024-01-{day:02d}T09:{i % 60:02d}:00Z",
            "identity_id": "o_acme",
            "tenant_id": "t_0",
            "target_id": f"x_{i}",
            "data": {},
        }

    recs = [rec(d, d, "workspace.update") for d in range(1, 15)]
    recs += [
        rec(100 + 3 * d + k, d, "datatank.table.create") for d in range(15, 22) for k in range(3)
    ]
    path = tmp_path / "ev.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in recs))
    events = read_events(path).events
    feats, flags = build_features_and_flags(events)
    last = feats[feats["window_start"] == pd.Timestamp("2024-01-21", tz="UTC")]
    first = feats[feats["window_start"] == pd.Timestamp("2024-01-02", tz="UTC")]
    windows = pd.concat([last, first])
    phrase = catalog.FEATURE_DESCRIPTIONS["trail_action_vs_self"]
    named = name_grown_types(
        events,
        flags,
        windows,
        [["5 deletes", f"{phrase}: 4x"], [f"{phrase}: 1x"]],
        [("log_destructive", "trail_action_vs_self"), ("trail_action_vs_self",)],
    )
    assert named[0][0] == "5 deletes"
    assert "the action type grown most (datatank.table.create) over" in named[0][1]
    assert named[1] == [f"{phrase}: 1x"]  # nothing grew that day: no type to name
