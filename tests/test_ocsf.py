"""Alerts as OCSF Detection Findings, their ATT&CK techniques, and the scores' documented schema.

The OCSF shape is checked against the attributes OCSF 1.3.0 requires of a Detection Finding
and the enumerations it defines (no schema download: the facts are written here).
"""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import attack, catalog, hunting, ocsf, schema
from pipes_anomaly import io as pio

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCORES_DOC = (DOCS / "scores.md").read_text(encoding="utf-8")

#: OCSF 1.3.0 enumerations used by a Detection Finding.
SEVERITY_CAPTIONS = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High",
                     5: "Critical", 6: "Fatal", 99: "Other"}  # fmt: skip
STATUS_CAPTIONS = {1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 99: "Other"}
ACTIVITY_CAPTIONS = {1: "Create", 2: "Update", 3: "Close", 99: "Other"}
OBSERVABLE_TYPES = {2: "IP Address", 4: "User Name", 10: "Resource UID"}


def check_detection_finding(f: dict) -> None:
    """Assert that ``f`` has the shape of an OCSF 1.3.0 Detection Finding."""
    for key in ocsf.REQUIRED["finding"]:
        assert key in f, key
    assert f["class_uid"] == 2004 and f["category_uid"] == 2
    assert f["activity_id"] in ACTIVITY_CAPTIONS
    assert f["activity_name"] == ACTIVITY_CAPTIONS[f["activity_id"]]
    assert f["type_uid"] == f["class_uid"] * 100 + f["activity_id"]
    assert f["severity"] == SEVERITY_CAPTIONS[f["severity_id"]]
    assert f["status"] == STATUS_CAPTIONS[f["status_id"]]
    for key in ("time", "start_time", "end_time"):
        assert isinstance(f[key], int) and 10**12 < f[key] < 10**13  # milliseconds
    assert f["start_time"] < f["end_time"] == f["time"]
    info = f["finding_info"]
    for key in ocsf.REQUIRED["finding_info"]:
        assert isinstance(info[key], str) and info[key], key
    for key in ocsf.REQUIRED["metadata"]:
        assert key in f["metadata"]
    assert f["metadata"]["version"] == "1.3.0"
    for key in ocsf.REQUIRED["product"]:
        assert isinstance(f["metadata"]["product"][key], str)
    for a in info["attacks"]:
        assert re.fullmatch(r"TA\d{4}", a["tactic"]["uid"]) and a["tactic"]["name"]
        assert re.fullmatch(r"T\d{4}", a["technique"]["uid"]) and a["technique"]["name"]
        if "sub_technique" in a:
            assert a["sub_technique"]["uid"].startswith(a["technique"]["uid"] + ".")
    for o in f["observables"]:
        assert {"name", "type_id"} <= set(o) and o["type"] == OBSERVABLE_TYPES[o["type_id"]]
    for e in f["evidences"]:
        assert e["actor"]["user"]["uid"] and e["api"]["operation"]
    json.dumps(f, allow_nan=False)  # plain JSON, no NaN


@pytest.fixture(scope="module")
def findings(small_scored):
    s = small_scored.scored
    scores = s.scores.copy()
    first = scores.index[scores["alert"]][0]
    scores.loc[first, "suppressed_by"] = "known-bulk-job"
    return scores, ocsf.detection_findings(
        scores, s.reasons, s.evidence, threshold=small_scored.threshold
    )


def test_one_detection_finding_per_alert(findings):
    scores, found = findings
    alerts = scores[scores["alert"]]
    assert len(found) == len(alerts) > 0
    for f, row in zip(found, alerts.itertuples(index=False), strict=True):
        check_detection_finding(f)
        assert f["unmapped"]["actor_id"] == row.actor_id
        assert f["unmapped"]["reason_features"] == row.reason_features.split()
        assert [
            a.get("sub_technique", a["technique"])["uid"] for a in f["finding_info"]["attacks"]
        ] == row.attack_techniques.split()
        assert f["finding_info"]["desc"] == row.reasons
        assert f["unmapped"]["evidence_ids"] == row.evidence.split()
        assert [e["data"]["record_id"] for e in f["evidences"]] == row.evidence.split()[:10]
        assert f["unmapped"]["score"] == pytest.approx(row.score)
        expected = ocsf.SEVERITY_IDS[row.severity][0]
        assert f["severity_id"] == expected
        assert f["start_time"] == int(row.window_start.value // 10**6)


def test_suppressed_alerts_are_findings_with_the_suppressed_status(findings):
    scores, found = findings
    marked = [f for f in found if f["unmapped"]["suppressed_by"]]
    assert len(marked) == 1
    assert marked[0]["status_id"] == 3 and marked[0]["status"] == "Suppressed"
    assert marked[0]["status_detail"] == "suppressed by rule known-bulk-job"
    assert all(f["status_id"] == 1 for f in found if f is not marked[0])


def test_finding_ids_are_stable_and_distinct(findings, small_scored):
    scores, found = findings
    uids = [f["finding_info"]["uid"] for f in found]
    assert len(set(uids)) == len(uids)
    s = small_scored.scored
    again = ocsf.detection_findings(scores, s.reasons, s.evidence, threshold=0.5)
    assert [f["finding_info"]["uid"] for f in again] == uids


def test_some_findings_name_techniques(findings):
    _, found = findings
    named = [f for f in found if f["finding_info"]["attacks"]]
    assert len(named) >= len(found) // 2


def test_score_format_ocsf_writes_json_lines(small_world, tmp_path):
    model = tmp_path / "m"
    assert _run("train", str(small_world / "train.jsonl"), "--model-dir", str(model)).exit_code == 0
    out = tmp_path / "findings.json"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model),
               "-o", str(out), "--format", "ocsf", "--top", "0")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    lines = out.read_text().splitlines()
    noun = "finding" if len(lines) == 1 else "findings"
    assert f"Wrote {len(lines)} OCSF {noun} to {out}." in res.stderr
    for line in lines:
        check_detection_finding(json.loads(line))
    jsonl = tmp_path / "scores.out"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model),
               "-o", str(jsonl), "--format", "jsonl", "--top", "0")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rows = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert all(list(r) == list(schema.SCORE_COLUMNS) for r in rows)
    assert sum(r["alert"] for r in rows) == len(lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.csv", "--format", "jsonl"], "the extension .csv says csv, not jsonl"),
        (["-o", "x.parquet", "--format", "ocsf"], "the extension .parquet says parquet"),
        (["--format", "ocsf"], "--format needs --output FILE"),
    ],
)
def test_format_and_output_that_disagree_are_refused_before_work(tmp_path, args, message):
    bad = tmp_path / "x.jsonl"
    bad.write_text("{}\n")
    res = _run("score", str(bad), "--model-dir", str(tmp_path / "none"), *args)
    assert res.exit_code == 2 and message in res.stderr


def test_check_scores_path():
    assert pio.check_scores_path("a.csv") == "csv"
    assert pio.check_scores_path("a.jsonl", "ocsf") == "ocsf"
    assert pio.check_scores_path("a.ndjson", "jsonl") == "jsonl"
    with pytest.raises(ValueError, match="unknown output format '.txt'"):
        pio.check_scores_path("a.txt")


# ------------------------------------------------------------------------------ ATT&CK


def test_every_mapped_feature_and_technique_exists():
    named = attack.technique_catalogue()
    for feature, ids in attack.FEATURE_TECHNIQUES.items():
        assert feature in catalog.FEATURE_COLUMNS, feature
        assert ids and all(i in named for i in ids), (feature, ids)
    # every query names at least one technique, and every technique it names is used
    used = {i for ids in attack.FEATURE_TECHNIQUES.values() for i in ids}
    for q in hunting.load_queries().values():
        assert q.attacks, q.name
    assert used <= set(named)


def test_technique_ids_keep_order_and_drop_repeats():
    assert attack.technique_ids(["log_destructive", "hour_entropy", "destructive_vs_self"]) == (
        "T1485",
    )
    assert attack.technique_ids(["log_mismatch", "log_billing"]) == (
        "T1550.001",
        "T1036",
        "T1657",
        "T1496",
    )
    assert attack.technique_ids([]) == ()


@pytest.mark.parametrize(
    "line",
    [
        "T1485 Data Destruction",
        "TA0040 Impact / TA0040 Impact",
        "TA0040 Impact / T1485.001 Sub",
        "TA0001 Initial Access / T1078 Valid Accounts / T1098.003 Other",
        "Impact / T1485 Data Destruction",
    ],
)
def test_malformed_attack_lines_are_refused(line):
    with pytest.raises(ValueError, match="attack line"):
        hunting.Attack.parse(line)


def test_attack_lines_parse():
    a = hunting.Attack.parse(
        "TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts"
    )
    assert (a.uid, a.tactic, a.technique, a.sub_technique) == (
        "T1078.004",
        "Initial Access",
        "Valid Accounts",
        "Cloud Accounts",
    )


# --------------------------------------------------------------------------- the docs


def test_scores_doc_lists_every_field():
    for col in schema.SCORE_COLUMNS:
        assert f"| `{col}` |" in SCORES_DOC, col


def test_scores_doc_lists_every_finding_attribute(findings):
    _, found = findings
    documented = set(re.findall(r"`([a-z_.]+)`", SCORES_DOC))
    for f in found:
        for key, value in f.items():
            if isinstance(value, dict) and key in ("finding_info", "unmapped", "metadata"):
                for sub in value:
                    assert f"{key}.{sub}" in documented or (
                        key == "finding_info" and sub == "last_seen_time"
                    ), f"{key}.{sub}"
            else:
                assert key in documented, key


def test_scores_doc_tables_of_techniques_match_the_code():
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (T[0-9., T]+) \|$", SCORES_DOC, re.M))
    assert {k: tuple(v.split(", ")) for k, v in rows.items()} == attack.FEATURE_TECHNIQUES
    named_by: dict[str, list[str]] = {}
    for q in hunting.load_queries().values():
        for a in q.attacks:
            named_by.setdefault(a.uid, []).append(f"`{q.name}`")
    for uid, a in attack.technique_catalogue().items():
        queries = ", ".join(named_by[uid])
        assert re.search(
            rf"^\| {re.escape(uid)} \| .*\| {a.tactic_uid} {a.tactic} \| {re.escape(queries)} \|$",
            SCORES_DOC,
            re.M,
        ), uid


def test_findings_of_scores_read_back_from_a_file(small_scored, tmp_path):
    out = tmp_path / "s.csv"
    s = small_scored.scored
    pio.write_scores(s.scores, out)
    back = pio.read_scores(out)
    back["window_start"] = pd.to_datetime(back["window_start"], utc=True)
    back["window_end"] = pd.to_datetime(back["window_end"], utc=True)
    found = ocsf.detection_findings(back, s.reasons, s.evidence, threshold=0.5)
    assert len(found) == int(back["alert"].sum())
    for f in found:
        check_detection_finding(f)
