"""The triage report in a real browser: Debian's ``chromium``, headless, from a file URL.

The page must render with its cards and plots, make no request (its Content-Security-Policy
refuses any, and Chromium logs every refusal: a control page shows the log catches one),
and a screenshot is written.  Chromium is required: ``.ci/run`` installs it when missing
(``apt-get install -y chromium``); without it these tests fail, they are not skipped.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipes_anomaly.triage import CONTENT_SECURITY_POLICY, TriageData, triage_html

#: What Chromium logs when the page's policy refuses a request.
REFUSED = re.compile(r"violates the following Content Security Policy directive")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium` (.ci/run does)")
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _page(small_scored, tmp_path: Path, handles: dict[str, str] | None = None) -> Path:
    s = small_scored.scored
    scores = s.scores.copy()
    if handles:
        scores["actor_handle"] = scores["actor_id"].map(handles).fillna(scores["actor_handle"])
    data = TriageData(
        scores=scores,
        reasons=s.reasons,
        evidence=s.evidence,
        threshold=small_scored.threshold,
        files=small_scored.read.stats.to_frame(),
        rejects=pd.DataFrame(columns=["source", "line", "field", "reason"]),
        source="browser test",
    )
    path = tmp_path / "report.html"
    path.write_text(triage_html(data), encoding="utf-8")
    return path


def test_the_report_renders_with_cards_and_plots_and_requests_nothing(small_scored, tmp_path):
    page = _page(small_scored, tmp_path)
    n_cards = page.read_text().count('<article class="card')
    assert n_cards > 0
    res = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert dom.count('<article class="card') == n_cards
    assert len(re.findall(r'<svg class="reason-plot"[^>]*>.*?<circle', dom, re.S)) >= n_cards
    assert len(re.findall(r'<svg class="score-line"[^>]*>.*?<polyline', dom, re.S)) == n_cards
    assert f'content="{CONTENT_SECURITY_POLICY}"' in dom
    assert not REFUSED.search(res.stderr), "the page tried to load something"
    shot = tmp_path / "report.png"
    res = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 2000)
    assert not REFUSED.search(res.stderr)


def test_hostile_handles_create_no_element(small_scored, tmp_path):
    ids = small_scored.scored.scores.loc[small_scored.scored.scores["alert"], "actor_id"]
    evil = [
        '<img src="http://127.0.0.1:9/x.png" onerror="document.title=1">',
        "<script>document.title='owned'</script>",
        '"><iframe src="http://127.0.0.1:9/">',
        "<style>body{background:url(http://127.0.0.1:9/bg)}</style>",
    ]
    handles = dict(zip(ids.unique()[: len(evil)], evil, strict=False))
    page = _page(small_scored, tmp_path, handles)
    res = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    for tag in ("<img", "<script", "<iframe"):
        assert tag not in dom, tag
    assert dom.count("<style>") == 1  # the page's own
    assert "&lt;script&gt;document.title='owned'&lt;/script&gt;" in dom
    assert not REFUSED.search(res.stderr)


def test_the_request_check_catches_a_page_that_tries(tmp_path):
    page = tmp_path / "control.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '</head><body><img src="http://127.0.0.1:9/x.png"></body></html>'
    )
    res = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    assert REFUSED.search(res.stderr)
