"""Suppression rules: the file format, its errors, what a rule matches, and the command."""

import datetime as dt

import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly.io.model_dir import load_model
from pipes_anomaly.suppress import Rule, SuppressionError, apply_rules, load_rules

TODAY = dt.date(2026, 3, 1)

GOOD = """
[[rule]]
id = "ci-teardown"
comment = "CI deletes its test workspaces nightly (OPS-1)"
expires = 2026-06-30
actor = "ci-bot"
features = ["log_destructive", "destructive_vs_self"]

[[rule]]
id = "acme-billing"
comment = "month-end billing"
expires = "2026-02-28"
org = "acme"
features = ["log_billing"]
"""


def _write(tmp_path, text: str):
    p = tmp_path / "rules.toml"
    p.write_text(text)
    return p


def test_a_good_file(tmp_path):
    rules = load_rules(_write(tmp_path, GOOD))
    assert rules == [
        Rule("ci-teardown", "CI deletes its test workspaces nightly (OPS-1)",
             dt.date(2026, 6, 30), actor="ci-bot",
             features=("log_destructive", "destructive_vs_self")),
        Rule("acme-billing", "month-end billing", dt.date(2026, 2, 28), org="acme",
             features=("log_billing",)),
    ]  # fmt: skip
    assert load_rules(_write(tmp_path, "")) == []


RULE = '[[rule]]\nid = "r1"\ncomment = "c"\nexpires = 2026-06-30\nactor = "a"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]\nid = 1", "rules.toml: not valid TOML: .* \\(at line 1, column"),
        ("title = 'x'\n" + RULE, "unknown key 'title' at the top level"),
        ("rule = 1\n", "'rule' must be written as \\[\\[rule\\]\\] tables"),
        (RULE + "actr = 'b'\n", "rule 1 \\('r1'\\): field 'actr': unknown"),
        # a key from the file stays on one line of the message
        (RULE + '"x\\nWarning: all clear" = 1\n', "field 'x\\\\nWarning: all clear': unknown"),
        (RULE.replace('id = "r1"\n', ""), "rule 1: field 'id': missing"),
        (RULE.replace('comment = "c"\n', ""), "rule 1 \\('r1'\\): field 'comment': missing"),
        (RULE.replace('comment = "c"', 'comment = "  "'), "field 'comment': must be a non-empty"),
        (RULE.replace("expires = 2026-06-30\n", ""), "field 'expires': missing"),
        (RULE.replace("2026-06-30", '"next week"'), "field 'expires': must be a date"),
        (RULE.replace("2026-06-30", "2026-06-30T10:00:00"), "field 'expires': must be a date"),
        (RULE.replace('actor = "a"\n', ""), "rule 1 \\('r1'\\): no criterion"),
        (RULE + 'features = ["log_destructiv"]\n', "unknown feature 'log_destructiv'"),
        (RULE + 'features = "log_destructive"\n', "field 'features': must be a non-empty list"),
        (RULE + "features = []\n", "field 'features': must be a non-empty list"),
        (RULE + RULE, "rule 2 \\('r1'\\): field 'id': another rule has the id 'r1'"),
        (RULE.replace('"r1"', '"bad id!"'), "field 'id': use up to 64 letters"),
        (RULE.replace('actor = "a"', "actor = 3"), "field 'actor': must be a non-empty string"),
    ],
)
def test_errors_name_file_rule_and_field(tmp_path, text, message):
    with pytest.raises(SuppressionError, match=message) as err:
        load_rules(_write(tmp_path, text))
    assert str(err.value).startswith(str(tmp_path / "rules.toml"))


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SuppressionError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "actor_id": ["u_ci", "u_ci", "u_ci", "u_fin", "u_fin", "u_x"],
            "actor_handle": ["ci-bot", "ci-bot", "ci-bot", "fin", "fin", "x"],
            "identity_handle": ["acme", "acme", "acme", "acme", "beta", "acme"],
            "alert": [True, True, False, True, True, True],
            "reason_features": [
                "log_destructive destructive_vs_self",
                "log_destructive log_new_ips",  # a new kind of deviation: still alerts
                "log_destructive",  # not an alert: never suppressed
                "log_billing",
                "log_billing",  # another organisation
                "",  # no reasons: a features rule does not match it
            ],
            "suppressed_by": [""] * 6,
        }
    )


def test_what_a_rule_matches(tmp_path):
    rules = load_rules(_write(tmp_path, GOOD))
    out = apply_rules(_scores(), rules, today=dt.date(2026, 2, 1))
    assert out.scores["suppressed_by"].tolist() == ["ci-teardown", "", "", "acme-billing", "", ""]
    assert out.fired == {"ci-teardown": 1, "acme-billing": 1} and out.n_suppressed == 2
    assert out.scores["alert"].tolist() == _scores()["alert"].tolist()  # flags unchanged
    by_id = apply_rules(_scores(), [Rule("by-id", "c", TODAY, actor="u_x")], today=TODAY)
    assert by_id.scores["suppressed_by"].tolist() == [""] * 5 + ["by-id"]


def test_an_expired_rule_suppresses_nothing_and_is_listed(tmp_path):
    rules = load_rules(_write(tmp_path, GOOD))
    out = apply_rules(_scores(), rules, today=TODAY)  # acme-billing ended 2026-02-28
    assert out.scores["suppressed_by"].tolist() == ["ci-teardown", "", "", "", "", ""]
    assert [r.id for r in out.expired] == ["acme-billing"] and "acme-billing" not in out.fired
    # a rule holds through its expiry day
    assert not rules[1].expired(dt.date(2026, 2, 28)) and rules[1].expired(TODAY)


def test_the_first_matching_rule_names_the_alert():
    rules = [Rule("a", "c", TODAY, org="acme"), Rule("b", "c", TODAY, actor="ci-bot")]
    out = apply_rules(_scores(), rules, today=TODAY)
    assert out.scores["suppressed_by"].tolist() == ["a", "a", "", "a", "", "a"]
    assert out.fired == {"a": 4, "b": 0}


def test_score_suppress_end_to_end(small_scored, small_world, tmp_path):
    s = small_scored.scored.scores
    top = s[s["alert"]].sort_values("score", ascending=False).iloc[0]
    feats = ", ".join(f'"{f}"' for f in top["reason_features"].split())
    rules = _write(
        tmp_path,
        f'[[rule]]\nid = "known"\ncomment = "accepted"\nexpires = 2999-01-01\n'
        f'actor = "{top["actor_id"]}"\nfeatures = [{feats}]\n\n'
        '[[rule]]\nid = "old"\ncomment = "gone"\nexpires = 2001-01-01\norg = "acme"\n',
    )
    model = tmp_path / "m"
    assert _run("train", str(small_world / "train.jsonl"), "--model-dir", str(model)).exit_code == 0
    out, rep = tmp_path / "s.jsonl", tmp_path / "rep"
    cut = str(load_model(model).threshold)  # the threshold without a budget's cap: more alerts
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(model), "-o", str(out),
               "--suppress", str(rules), "--report", str(rep), "--top", "100",
               "--threshold", cut)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    got = pd.read_json(out, lines=True, dtype=False)
    n_alerts = int(got["alert"].sum())
    n_known = int((got["suppressed_by"] == "known").sum())
    assert n_known >= 1 and (got.loc[got["suppressed_by"] != "", "alert"]).all()
    assert (
        f"{n_alerts:,} alerts (score > " in res.stderr and f", {n_known} suppressed." in res.stderr
    )
    assert f"Suppression rule known: {n_known} alert" in res.stderr
    expired = "Warning: suppression rule old expired on 2001-01-01 and suppressed nothing"
    assert expired in res.stderr
    assert f"Top {n_alerts - n_known} of {n_alerts - n_known} alerts" in res.stdout
    page = (rep / "report.html").read_text()
    assert page.count('<article class="card') == n_alerts - n_known
    assert "expired: suppressed nothing" in page and "accepted" in page
    assert f"suppressed {n_known} alert" in page


def test_a_bad_rules_file_stops_the_command_before_work(small_world, tmp_path):
    rules = _write(tmp_path, RULE.replace("2026-06-30", '"soon"'))
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(tmp_path / "none"),
               "--suppress", str(rules))  # fmt: skip
    assert res.exit_code == 2
    assert (
        f"Invalid value for '--suppress': {rules}: rule 1 ('r1'): field 'expires': must be a "
        "date such as 2026-06-30" in res.stderr
    )
    assert "Read " not in res.stderr  # nothing was read
