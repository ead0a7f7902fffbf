"""The triage report: its data (reason values, evidence records), its cards, and its query.

Everything a card shows comes from the scoring run (``score_windows(details=True)``); these
tests check those frames against the features and the records, the page against the
frames, and the DuckDB query against the records it should pull.
"""

import dataclasses
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import details, hunting, pipeline, schema, triage
from pipes_anomaly import io as pio
from pipes_anomaly.explain import told_values
from pipes_anomaly.triage import (
    CONTENT_SECURITY_POLICY,
    TriageData,
    card_anchor,
    card_anchors,
    duckdb_query,
    grants_query,
    triage_html,
    triage_markdown,
    triage_windows,
)


def _data(run, scores=None, **kw) -> TriageData:
    s = run.scored
    return TriageData(
        scores=s.scores if scores is None else scores,
        reasons=s.reasons,
        evidence=s.evidence,
        threshold=run.threshold,
        files=run.read.stats.to_frame(),
        rejects=pd.DataFrame(columns=["source", "line", "field", "reason"]),
        source="test",
        **kw,
    )


def _key(frame: pd.DataFrame) -> set[tuple[str, pd.Timestamp]]:
    return set(zip(frame["actor_id"], pd.to_datetime(frame["window_start"], utc=True), strict=True))


# ------------------------------------------------------------------------ the details frames


def test_details_cover_exactly_the_windows_with_evidence(small_scored):
    s = small_scored.scored
    listed = s.scores[s.scores["evidence"] != ""]
    assert s.scores["alert"].sum() > 0 and len(listed) >= s.scores["alert"].sum()
    assert tuple(s.reasons.columns) == details.REASON_COLUMNS
    assert tuple(s.evidence.columns) == details.EVIDENCE_COLUMNS
    assert _key(s.evidence) == _key(listed)
    with_reasons = listed[listed["reason_features"] != ""]
    assert _key(s.reasons) == _key(with_reasons)
    # one row per reason feature, in the order of the scores' reason_features
    for (actor, start), rows in s.reasons.groupby(["actor_id", "window_start"]):
        row = listed[(listed["actor_id"] == actor) & (listed["window_start"] == start)].iloc[0]
        assert rows["feature"].tolist() == row["reason_features"].split()
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert "; ".join(rows["reason"]) == row["reasons"]


def test_reason_values_are_the_feature_table_s_on_the_told_scale(small_scored):
    from pipes_anomaly import features

    run = small_scored
    feats = features.build_features(run.read.events, profile=run.model.profile)
    feats = feats.set_index(["actor_id", "window_start"])
    base = run.model.baseline
    counts = run.scored.reasons[run.scored.reasons["unit"] == "count"]
    assert len(counts) > 10
    for r in counts.itertuples(index=False):
        raw = feats.loc[(r.actor_id, r.window_start), r.shown_feature]
        assert r.actual == pytest.approx(np.expm1(raw))
        typical = base.actor_typical[r.shown_feature].get(r.actor_id, np.nan)
        if np.isnan(typical):  # an actor never seen in training: the overall median
            typical = base.center[list(base.feature_columns).index(r.shown_feature)]
        assert r.typical == pytest.approx(np.expm1(typical))
        # the sentence tells the same counts the labels give
        assert r.reason.startswith(r.actual_label) or f": {r.actual_label} vs" in r.reason
        # against the actor's typical value, or all actors' when the reason says so
        assert any(f"typically {v}" in r.reason for v in (r.typical_label, r.overall_label))
        assert 0 < r.training_share <= 0.1 or "across actors" in r.reason, r.reason
    peers = run.scored.reasons[run.scored.reasons["feature"].str.endswith("_vs_peers")]
    assert peers["peers"].notna().all()
    assert (
        run.scored.reasons.loc[~run.scored.reasons["feature"].str.endswith("_vs_peers"), "peers"]
        .isna()
        .all()
    )


def test_peer_value_is_the_median_of_the_organisation_in_that_window():
    feats = pd.DataFrame(
        {
            "actor_id": ["a", "b", "c", "d"],
            "window_start": pd.to_datetime(["2026-01-01"] * 3 + ["2026-01-02"], utc=True),
            "identity_handle": ["acme"] * 4,
            "log_x": np.log1p([9.0, 1.0, 3.0, 100.0]),
        }
    )
    med = details._peer_medians(feats, ["log_x"])["log_x"]
    assert np.expm1(med.to_numpy()) == pytest.approx([3.0, 3.0, 3.0, 100.0])


@pytest.mark.parametrize(
    ("description", "share", "raw", "unit", "labels"),
    [
        ("destructive actions (log1p)", False, [np.log1p(9), 0.0], "count", ["9", "0"]),
        ("share of events outside hours", True, [0.74, 0.05], "percent", ["74%", "5%"]),
        ("events vs rate (log ratio)", False, [np.log(2.5), 0.0], "ratio", ["2.5x", "1.0x"]),
        ("lifetime, as 1/(1 + hours)", False, [0.8, 0.0], "closeness", ["15 min", "none"]),
        ("anything", False, [np.nan, 2.0], "value", ["", "2"]),
    ],
)
def test_told_values(description, share, raw, unit, labels):
    got_unit, shown, got = told_values("x", np.array(raw), description=description, share=share)
    assert (got_unit, got) == (unit, labels)
    assert len(shown) == len(raw)


def test_evidence_records_are_the_first_of_the_listed_ids_with_their_total(small_scored):
    s, events = small_scored.scored, small_scored.read.events.set_index("id")
    listed = s.scores[s.scores["evidence"] != ""]
    for row in listed.itertuples(index=False):
        ev = s.evidence[
            (s.evidence["actor_id"] == row.actor_id)
            & (s.evidence["window_start"] == row.window_start)
        ]
        ids = row.evidence.split()
        assert ev["id"].tolist() == ids[: len(ev)]
        total = ev["evidence_total"].iloc[0]
        assert len(ev) == min(total, details.EVIDENCE_SHOWN) and total <= row.n_events
        assert (ev["evidence_total"] == total).all()
        if not ev["evidence_flagged"].iloc[0]:
            assert total == row.n_events  # the window's records stand in
        rec = events.loc[ev["id"]]
        assert (
            pd.to_datetime(ev["created_at"], utc=True).to_numpy() == rec["created_at"].to_numpy()
        ).all()
        assert ev["action_type"].tolist() == rec["action_type"].tolist()
        assert ev["created_at"].is_monotonic_increasing


def test_details_are_not_computed_unless_asked(small_scored):
    from pipes_anomaly.pipeline import score_events, score_windows

    run = small_scored
    plain = score_windows(run.read.events, run.model)
    assert plain.reasons.empty and plain.evidence.empty
    pd.testing.assert_frame_equal(plain.scores, score_events(run.read.events, run.model))
    assert tuple(plain.scores.columns) == schema.SCORE_COLUMNS


# ---------------------------------------------------------------------------- the cards


def test_one_card_per_unsuppressed_alert_in_score_order(small_scored):
    s = small_scored.scored.scores.copy()
    alerts = s[s["alert"]].sort_values("score", ascending=False)
    silenced = alerts.index[1]
    s.loc[silenced, "suppressed_by"] = "known-thing"
    order = triage_windows(s)
    assert len(order) == len(alerts) - 1
    assert order["score"].is_monotonic_decreasing
    page = triage_html(_data(small_scored, scores=s))
    anchors = re.findall(r'<article class="card sev-[a-z]+" id="(card-[0-9a-f]{16})">', page)
    assert anchors == [
        card_anchor(a, t) for a, t in zip(order["actor_id"], order["window_start"], strict=True)
    ]
    assert card_anchor(s.loc[silenced, "actor_id"], s.loc[silenced, "window_start"]) not in page
    md = triage_markdown(_data(small_scored, scores=s))
    assert re.findall(r'<a id="(card-[0-9a-f]{16})"></a>', md) == anchors
    assert md.count("\n### ") == len(anchors)


def test_a_card_shows_actor_window_reasons_plots_evidence_and_query(small_scored):
    page = triage_html(_data(small_scored))
    first = page[page.index('<article class="card') : page.index("</article>")]
    top = triage_windows(small_scored.scored.scores).iloc[0]
    for text in (top["actor_id"], f"{top['score']:.4f}", top["severity"], "MITRE ATT&amp;CK"):
        assert str(text) in first
    assert first.count('<svg class="reason-plot"') == len(top["reason_features"].split())
    assert first.count('<svg class="score-line"') == 1
    assert "<h4>Evidence</h4>" in first and "record id" in first
    assert "FROM pipes_audit_log" in first and "created_at &gt;= TIMESTAMP" in first
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' in page
    )
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_a_card_without_named_reasons_says_why(small_scored):
    # an alert whose values are unusual only together: its card says so instead of no "Why"
    scores = small_scored.scored.scores.copy()
    first_card = triage_windows(scores).iloc[0]
    key = (first_card["actor_id"], first_card["window_start"])
    top = (scores["actor_id"] == key[0]) & (scores["window_start"] == key[1])
    assert top.sum() == 1
    scores.loc[top, ["reasons", "reason_features"]] = [pipeline.NO_SINGLE_REASON, ""]
    data = _data(small_scored, scores=scores)
    reasons = data.reasons
    pairs = zip(reasons["actor_id"], reasons["window_start"], strict=True)
    keep = [(a, w) != key for a, w in pairs]
    data = dataclasses.replace(data, reasons=reasons[keep])
    page = triage_html(data)
    first = page[page.index('<article class="card') : page.index("</article>")]
    assert "<h4>Why</h4>" in first and pipeline.NO_SINGLE_REASON in first
    assert '<svg class="reason-plot"' not in first
    assert f"**Why:** {pipeline.NO_SINGLE_REASON}" in triage_markdown(data)


def test_a_card_counts_one_event_record_and_window_in_the_singular(small_scored):
    scores = small_scored.scored.scores.copy()
    top = triage_windows(scores).iloc[0]
    at = (scores["actor_id"] == top["actor_id"]) & (scores["window_start"] == top["window_start"])
    scores.loc[at, "n_events"] = 1
    data = _data(small_scored, scores=scores)
    md, page = triage_markdown(data), triage_html(data)
    assert " · 1 event\n" in md and ", 1 event</" in page
    for text in (md, page):
        assert not re.search(r"\b1 (events|records|windows)\b", text)
    caption = triage._evidence_caption
    assert caption(triage._Evidence(shown=1, total=1, flagged=True)) == (
        "The 1 record flagged for the reasons."
    )
    assert caption(triage._Evidence(shown=3, total=3)) == (
        "All 3 records of the window (none is flagged for the reasons)."
    )
    assert caption(triage._Evidence(shown=10, total=1143, flagged=True)) == (
        "First 10 of 1,143 records flagged for the reasons."
    )


def test_card_anchors_reads_the_cards_a_page_holds(small_scored, hostile_report):
    data = _data(small_scored)
    cards = triage_windows(data.scores)
    ids = {card_anchor(a, w) for a, w in zip(cards["actor_id"], cards["window_start"], strict=True)}
    assert len(ids) == len(cards) > 0
    assert card_anchors(triage_markdown(data)) == ids == card_anchors(triage_html(data))
    assert card_anchors("# Evaluation report\n[card](<t/report.md#card-0123456789abcdef>)") == set()
    rep = hostile_report[0]
    md, page = (rep / "report.md").read_text(), (rep / "report.html").read_text()
    assert card_anchors(md) == card_anchors(page)
    assert len(card_anchors(page)) == page.count('<article class="card')


def test_the_same_run_gives_the_same_bytes(small_scored):
    assert triage_html(_data(small_scored)) == triage_html(_data(small_scored))
    assert triage_markdown(_data(small_scored)) == triage_markdown(_data(small_scored))


def test_scores_read_back_from_a_file_give_the_same_cards(small_scored, tmp_path):
    out = tmp_path / "s.jsonl"
    pio.write_scores(small_scored.scored.scores, out)
    back = pio.read_scores(out)
    a = triage_html(_data(small_scored))
    b = triage_html(_data(small_scored, scores=back))
    assert re.findall(r'id="(card-[0-9a-f]+)"', a) == re.findall(r'id="(card-[0-9a-f]+)"', b)


# ---------------------------------------------------------------------------- the query


def test_the_query_pulls_exactly_the_window_s_records(small_scored):
    world = small_scored.world
    con = hunting.connect([world / "train.jsonl", world / "test.jsonl"])
    try:
        for row in triage_windows(small_scored.scored.scores).head(8).itertuples(index=False):
            q = duckdb_query(row.actor_id, row.window_start, row.window_end)
            got = con.execute(q).df()
            assert len(got) == row.n_events
            assert set(got["id"]) >= set(row.evidence.split())
    finally:
        con.close()


def test_a_new_owner_s_card_shows_who_granted_it(small_scored):
    # the owner roles a new account was given are other actors' records: its card holds a
    # query for them, and only such a card does
    world, scores = small_scored.world, small_scored.scored.scores
    alerts = triage_windows(scores)
    named = (
        alerts["reason_features"]
        .fillna("")
        .str.split()
        .map(lambda f: "log_new_account_owner_grants" in f)
    )
    assert named.any() and not named.all()
    md = triage_markdown(_data(small_scored))
    page = triage_html(_data(small_scored))
    assert md.count("**The grants naming this account**") == named.sum()
    assert page.count("<h4>The grants naming this account") == named.sum()
    con = hunting.connect([world / "train.jsonl", world / "test.jsonl"])
    try:
        for row in alerts[named].itertuples(index=False):
            got = con.execute(grants_query(row.actor_id, row.window_start, row.window_end)).df()
            owners = got[(got["role"] == "owner") & (got["granter_id"] != row.actor_id)]
            assert len(owners), row.actor_id
            assert (pd.to_datetime(got["created_at"], utc=True) < row.window_end).all()
    finally:
        con.close()


def test_the_grants_query_reaches_back_from_the_window_s_day():
    # an hour window late on the first day still sees a grant 7 days before that day began
    raw = pd.DataFrame(
        {
            "id": ["g1", "r1"],
            "actor_id": ["u_admin", "u_bob"],
            "target_id": ["u_bob", "p_1"],
            "created_at": ["2024-01-03T01:30:00Z", "2024-01-10T20:15:00Z"],
            "action_type": ["org.member.add", "workspace.update"],
            "data": [{"role": "owner"}, {}],
        }
    )
    start = pd.Timestamp("2024-01-10T20:00:00Z")
    con = hunting.connect(raw)
    try:
        got = con.execute(grants_query("u_bob", start, start + pd.Timedelta(hours=1))).df()
        assert got["id"].tolist() == ["g1"]
    finally:
        con.close()


@pytest.mark.parametrize(
    "actor_id",
    ["u_plain", "it's", "x'); DROP TABLE t; --", "line\nbreak\x1b[2J", "\u202eevil", "back\\slash"],
)
def test_the_query_is_exact_for_hostile_actor_ids(actor_id):
    t0 = pd.Timestamp("2026-01-05", tz="UTC")
    raw = pd.DataFrame(
        {
            "id": ["r1", "r2", "r3"],
            "actor_id": [actor_id, actor_id, "other"],
            "created_at": ["2026-01-05T10:00:00Z", "2026-01-06T00:00:00Z", "2026-01-05T11:00:00Z"],
            "action_type": ["workspace.delete"] * 3,
            "data": [{}, {}, {}],
        }
    )
    q = duckdb_query(actor_id, t0, t0 + pd.Timedelta(days=1))
    assert "\n" not in q.split("WHERE", 1)[1].split("\n")[0]  # no control char from data
    for ch in ("\x1b", "\u202e"):
        assert ch not in q
    con = hunting.connect(raw)
    try:
        assert con.execute(q).df()["id"].tolist() == ["r1"]
    finally:
        con.close()
    # the grants query names the member by the same literal
    grants = pd.DataFrame(
        {
            "id": ["g1", "g2", "g3"],
            "actor_id": ["u_admin"] * 3,
            "target_id": ["m_1", actor_id, "other"],
            "created_at": ["2026-01-01T10:00:00Z", "2026-01-05T09:00:00Z", "2026-01-05T09:00:00Z"],
            "action_type": ["org.member.add"] * 3,
            "data": [{"user_id": actor_id, "role": "owner"}, {"role": "member"}, {}],
        }
    )
    g = grants_query(actor_id, t0, t0 + pd.Timedelta(days=1))
    assert not any(ch in g for ch in ("\x1b", "\u202e"))
    con = hunting.connect(grants)
    try:
        assert con.execute(g).df()["id"].tolist() == ["g1", "g2"]
    finally:
        con.close()


# ---------------------------------------------------------------------- hostile data, end to end

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[click](http://evil.example)|**x**",
    "`code` ```fence",
    "\x1b[2Jclear\u202eevil\nnew line",
    '=HYPERLINK("http://evil.example")',
]


@pytest.fixture(scope="module")
def hostile_report(small_world, tmp_path_factory):
    """score --report on the test period with hostile handles, targets and one actor id."""
    work = tmp_path_factory.mktemp("hostile_triage")
    records = [json.loads(x) for x in (small_world / "test.jsonl").read_text().splitlines()]
    actors = sorted({r["actor_id"] for r in records})[: len(HOSTILE)]
    handle_of = dict(zip(actors, HOSTILE, strict=True))
    evil_id = "u_'); DROP TABLE x; --\n<b>"
    for r in records:
        if r["actor_id"] in handle_of:
            r["actor_handle"] = handle_of[r["actor_id"]]
            r["target_handle"] = handle_of[r["actor_id"]]
            r["identity_handle"] = "<i>org</i>"
        if r["actor_id"] == actors[0]:
            r["actor_id"] = evil_id
    logs = work / "test.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in records))
    model = work / "model"
    assert _run("train", str(small_world / "train.jsonl"), "--model-dir", str(model)).exit_code == 0
    rep = work / "rep"
    res = _run("score", str(logs), "--model-dir", str(model), "--threshold", "0", "--top", "0",
               "--report", str(rep))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    return rep, logs, evil_id


def test_hostile_text_is_inert_in_the_html_report(hostile_report):
    rep, _, evil_id = hostile_report
    page = (rep / "report.html").read_text()
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "<i>org" not in page and "&lt;i&gt;org&lt;/i&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for ch in ("\x1b", "\u202e"):
        assert ch not in page
    assert "\\x1b[2Jclear\\u202eevil" in page
    assert page.count("<script") == 0 and "onerror=alert(1)&gt;" in page


def test_hostile_text_is_inert_in_the_markdown_report(hostile_report):
    rep, _, _ = hostile_report
    md = (rep / "report.md").read_text()
    assert "<script" not in md and "<img" not in md and "<i>org" not in md
    assert "[click](" not in md and "\\[click\\](http://evil.example)\\|\\*\\*x\\*\\*" in md
    for ch in ("\x1b", "\u202e"):
        assert ch not in md
    # every code fence is closed by a fence as long as its opening one
    fences = re.findall(r"^(`{3,})", md, flags=re.M)
    assert len(fences) % 2 == 0


def test_the_report_s_query_for_a_hostile_actor_id_returns_its_records(hostile_report):
    rep, logs, evil_id = hostile_report
    page = (rep / "report.html").read_text()
    import html as html_lib

    queries = [
        html_lib.unescape(q)
        for q in re.findall(r'<pre class="query"><code>(.*?)</code></pre>', page, re.S)
    ]
    mine = [q for q in queries if "chr(10)" in q and "DROP TABLE" in q]
    assert mine, "no card for the hostile actor id"
    con = hunting.connect([logs])
    try:
        got = con.execute(mine[0]).df()
    finally:
        con.close()
    assert len(got) > 0
    con = duckdb.connect()
    assert (
        con.execute("SELECT " + mine[0].split("actor_id = ", 1)[1].split("\n")[0]).fetchone()[0]
        == evil_id
    )


# ----------------------------------------------------------------------------- the command


def test_score_report_and_evaluate_link_to_the_same_cards(small_world, tmp_path):
    model, rep, ev = tmp_path / "m", tmp_path / "triage", tmp_path / "eval"
    assert _run("train", str(small_world / "train.jsonl"), "--model-dir", str(model)).exit_code == 0
    scores = tmp_path / "s.csv"
    # alerts enough that attacks and benign windows both have cards (130 windows scored)
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model),
               "-o", str(scores), "--report", str(rep), "--top", "0",
               "--alert-rate", "0.05")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "Triage report written to" in res.stderr
    assert sorted(p.name for p in rep.iterdir()) == ["report.html", "report.md"]
    res = _run("evaluate", str(scores), "--labels", str(small_world), "--report", str(ev),
               "--triage", str(rep))  # fmt: skip
    assert res.exit_code == 0, res.stderr
    page = (ev / "report.html").read_text()
    links = re.findall(r'<a href="\.\./triage/report\.html#(card-[0-9a-f]{16})">card</a>', page)
    triage = (rep / "report.html").read_text()
    assert links and all(f'id="{a}"' in triage for a in links)
    n_alerts = int(pio.read_scores(scores)["alert"].sum())
    assert len(links) == n_alerts
    md = (ev / "report.md").read_text()
    assert "## Alerts and their triage cards" in md and "attack: " in md
    assert md.count("](<../triage/report.md#card-") == n_alerts

    # the triage report of another run (its cards are other windows) is refused, as is none
    other = tmp_path / "other"
    other.mkdir()
    for name in ("report.md", "report.html"):
        text = (rep / name).read_text()
        for n, anchor in enumerate(sorted(set(links))):
            text = text.replace(anchor, f"card-{n:016x}")
        (other / name).write_text(text)
    before = (ev / "report.md").read_bytes()
    res = _run("evaluate", str(scores), "--labels", str(small_world), "--report", str(ev),
               "--triage", str(other))  # fmt: skip
    assert res.exit_code == 2
    message = " ".join(res.stderr.split())
    assert f"{other} is not the triage report of these scores: {n_alerts} of the {n_alerts} " in (
        message
    )
    assert f"give --triage the directory 'anomaly score --report' wrote with {scores}" in message
    assert (ev / "report.md").read_bytes() == before  # nothing written
    (other / "report.md").unlink()
    res = _run("evaluate", str(scores), "--labels", str(small_world), "--report", str(ev),
               "--triage", str(other))  # fmt: skip
    assert res.exit_code == 2 and "report.md cannot be read" in res.stderr


def test_evaluate_triage_needs_report(small_world, tmp_path):
    scores = tmp_path / "s.csv"
    scores.write_text("actor_id,window_start,window_end,score\n")
    res = _run("evaluate", str(scores), "--labels", str(small_world), "--triage", str(tmp_path))
    assert res.exit_code == 2 and "give --report" in res.stderr


def test_report_refuses_to_replace_an_input(small_world, tmp_path):
    rep = tmp_path / "rep"
    rep.mkdir()
    logs = rep / "report.md"
    logs.write_bytes((small_world / "test.jsonl").read_bytes())
    res = _run("score", str(logs), "--model-dir", str(tmp_path / "none"), "--report", str(rep))
    assert res.exit_code == 2 and "is also an input" in res.stderr
    assert logs.read_bytes() == (small_world / "test.jsonl").read_bytes()


def test_docs_describe_every_column_of_the_details(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "triage.md").read_text()
    for col in (*details.REASON_COLUMNS, *details.EVIDENCE_COLUMNS):
        assert f"| `{col}` |" in doc, col
