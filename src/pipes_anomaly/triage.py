"""The triage report of a scored audit log: one page (HTML and Markdown) an analyst works from.

What was read and rejected, the alerts by severity, the suppression rules that fired or
expired, then one card per alert that no rule suppressed, highest score first: the actor
(handle, id, organisation), the window, score and severity, the ATT&CK techniques, each
reason drawn as this window's value against the actor's typical value (and all actors', and
its peers' for a peer reason), the actor's score over the scored period against its usual
band, the evidence records (the first ones and how many in all) and a DuckDB query that
pulls the window's records from ``pipes_audit_log``.

Everything comes from the scoring run (:class:`TriageData`: the scores, the frames of
:mod:`pipes_anomaly.details`, the read counts, the suppression outcome); nothing is
computed again from the records.  Text from data goes through :mod:`pipes_anomaly._text`;
the HTML page loads nothing (inline CSS and SVG, and a Content-Security-Policy that forbids
any request).  docs/triage.md describes the page.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipes_anomaly import _svg
from pipes_anomaly._text import (
    actor_names,
    html_text,
    markdown_cell,
    markdown_code,
    markdown_rows,
    markdown_table,
    plural,
    score_text,
    sql_literal,
)
from pipes_anomaly.attack import attacks_of
from pipes_anomaly.catalog import NEW_ACCOUNT_DAYS
from pipes_anomaly.suppress import Rule, SuppressionResult

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "TriageData",
    "card_anchor",
    "card_anchors",
    "duckdb_query",
    "grants_query",
    "triage_html",
    "triage_markdown",
    "triage_pages",
    "triage_windows",
]

#: The page's policy: no script, no request of any kind; images only as data URLs.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
#: Rejected records listed by name (the rest are counted; ``--rejects`` keeps them all).
REJECTS_SHOWN = 20
#: Severities, most severe first, as the page lists them.
_SEVERITY_ORDER = ("critical", "high", "medium", "low", "none")
#: Evidence record fields a card lists after the time, in order.
_EVIDENCE_FIELDS = ("action_type", "target", "actor_ip", "process_id", "id")
#: A table of text cells: its column names and rows.
_Rows = tuple[tuple[str, ...], list[tuple[str, ...]]]
#: Unicode blocks of the Markdown score line, lowest first.
_SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class TriageData:
    """Everything a triage report shows, from one scoring run.

    Attributes
    ----------
    scores : DataFrame
        ``schema.SCORE_COLUMNS`` (``suppressed_by`` set by the suppression rules, if any).
    reasons, evidence : DataFrame
        ``details.REASON_COLUMNS`` and ``details.EVIDENCE_COLUMNS`` of the alerts.
    threshold : float
        The alert cut-off used.
    files : DataFrame
        Read counts per input plus a ``total`` row (``ReadStats.to_frame()``).
    rejects : DataFrame
        The first rejected records: ``source``, ``line``, ``field``, ``reason``.
    source : str
        What was scored with which model, in one line.
    rules : sequence of Rule
        The suppression rules given (empty: none).
    suppression : SuppressionResult or None
        Their outcome.
    """

    scores: pd.DataFrame
    reasons: pd.DataFrame
    evidence: pd.DataFrame
    threshold: float
    files: pd.DataFrame
    rejects: pd.DataFrame
    source: str = ""
    rules: Sequence[Rule] = ()
    suppression: SuppressionResult | None = None
    title: str = field(default="Triage report")


def card_anchor(actor_id: object, window_start: object) -> str:
    """Return the HTML id of a window's card: ``card-`` and 16 hex digits of a hash.

    Parameters
    ----------
    actor_id : object
    window_start : object
        A timestamp (any form :func:`pandas.Timestamp` reads; UTC).

    Returns
    -------
    str
        The same for the same actor and window in every report (the evaluation report
        links to it).
    """
    start = pd.Timestamp(window_start)
    start = start.tz_localize("UTC") if start.tz is None else start.tz_convert("UTC")
    key = f"{actor_id}\x1f{start.isoformat()}".encode()
    return "card-" + hashlib.sha256(key).hexdigest()[:16]


#: A card's id where a page defines it: its own line in Markdown, its article in HTML (text
#: from data is escaped on both pages, so it cannot forge either).
_CARD_IDS = re.compile(
    r'^<a id="(card-[0-9a-f]{16})"></a>$|<article class="card [^"<>]*" id="(card-[0-9a-f]{16})">',
    re.MULTILINE,
)


def card_anchors(page: str) -> frozenset[str]:
    """Return the ids of the cards a triage page holds (:func:`card_anchor`).

    Parameters
    ----------
    page : str
        A triage report's ``report.md`` or ``report.html``.

    Returns
    -------
    frozenset of str
        ``card-<hash>`` ids; empty for a page without cards (or not a triage page).
    """
    return frozenset(md or html for md, html in _CARD_IDS.findall(page))


def triage_windows(scores: pd.DataFrame) -> pd.DataFrame:
    """Return the alerts no rule suppressed, highest score first (ties: actor id).

    Parameters
    ----------
    scores : DataFrame
        A scores frame; ``suppressed_by`` is optional (missing or empty: not suppressed), and
        so is ``alert`` (missing: no alerts).

    Returns
    -------
    DataFrame
        Those rows, in card order, with a fresh index.
    """
    if "alert" not in scores.columns:  # scores without the flag have no alerts to list
        return scores.iloc[:0].reset_index(drop=True)
    keep = scores["alert"].to_numpy(dtype=bool).copy()
    if "suppressed_by" in scores.columns:
        keep &= _texts(scores["suppressed_by"]) == ""
    rows = scores.loc[keep]
    rows = rows.sort_values(["score", "actor_id"], ascending=[False, True], kind="stable")
    return rows.reset_index(drop=True)


def _texts(values: pd.Series) -> np.ndarray:
    """Return a text column as strings, ``""`` where missing (a CSV reads empty cells as NaN)."""
    return values.astype("string").fillna("").to_numpy(dtype=object)


def duckdb_query(actor_id: object, window_start: pd.Timestamp, window_end: pd.Timestamp) -> str:
    """Return a DuckDB query for the window's records in Tailpipe's ``pipes_audit_log``.

    Parameters
    ----------
    actor_id : object
        Written as an exact SQL literal (:func:`pipes_anomaly._text.sql_literal`).
    window_start, window_end : Timestamp
        UTC bounds of the window (start included, end excluded).

    Returns
    -------
    str
    """
    start = pd.Timestamp(window_start).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
    end = pd.Timestamp(window_end).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
    return (
        "SELECT created_at, action_type, actor_handle, actor_ip, target_handle, target_id,\n"
        "    process_id, id, data\n"
        "FROM pipes_audit_log\n"
        f"WHERE actor_id = {sql_literal(actor_id)}\n"
        f"  AND created_at >= TIMESTAMP '{start}'\n"
        f"  AND created_at < TIMESTAMP '{end}'\n"
        "ORDER BY created_at, id;"
    )


#: The reason whose card also shows the grants behind it (they are someone else's records).
_GRANTS_REASON = "log_new_account_owner_grants"


def grants_query(actor_id: object, window_start: pd.Timestamp, window_end: pd.Timestamp) -> str:
    """Return a DuckDB query for the membership grants naming the actor as their member.

    Those from 7 days before the window's UTC day to the window's end: for an account made
    owner before its first record, they say who granted what (records of other actors, not
    in the evidence).

    Parameters
    ----------
    actor_id : object
        Written as an exact SQL literal (:func:`pipes_anomaly._text.sql_literal`).
    window_start, window_end : Timestamp
        UTC bounds of the window.

    Returns
    -------
    str
    """
    # from the window's UTC day: the feature counts grants up to NEW_ACCOUNT_DAYS before the
    # first record, which lies on that day
    day = pd.Timestamp(window_start).tz_convert("UTC").floor("D")
    since = day - pd.Timedelta(days=NEW_ACCOUNT_DAYS)
    end = pd.Timestamp(window_end).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
    return (
        "SELECT created_at, action_type, actor_handle AS granted_by, actor_id AS granter_id,\n"
        "    actor_ip, data ->> 'role' AS role,\n"
        "    coalesce(data ->> 'workspace_id', identity_id) AS scope, id\n"
        "FROM pipes_audit_log\n"
        "WHERE action_type IN ('org.member.add', 'org.member.update',\n"
        "                      'org.workspace.member.add', 'org.workspace.member.update')\n"
        "  AND coalesce(nullif(data ->> 'user_id', ''), nullif(target_id, '')) = "
        f"{sql_literal(actor_id)}\n"
        f"  AND created_at >= TIMESTAMP '{since.strftime('%Y-%m-%d %H:%M:%S')}'\n"
        f"  AND created_at < TIMESTAMP '{end}'\n"
        "ORDER BY created_at, id;"
    )


# ----------------------------------------------------------------------------- the cards


#: Column names of a card's evidence table.
_EVIDENCE_HEAD = ("time (UTC)", "action", "target", "IP", "process", "record id")


@dataclass(frozen=True)
class _Evidence:
    """A card's evidence records, escaped for each page, and how many there are in all."""

    shown: int = 0
    total: int = 0
    flagged: bool = False
    html_rows: str = ""
    markdown_rows: str = ""


def _escaped(values: list[str], escape: Callable[[object], str]) -> list[str]:
    """Escape a column, each distinct value once (actions, IPs and targets repeat)."""
    done = {v: escape(v) for v in set(values)}
    return [done[v] for v in values]


def _evidence_blocks(frame: pd.DataFrame) -> dict[tuple[str, int], _Evidence]:
    """Turn the evidence frame into each window's rows, escaped for HTML and Markdown.

    The frame is sorted by window (:func:`pipes_anomaly.details.evidence_frame`).
    """
    if frame.empty:
        return {}
    times = pd.to_datetime(frame["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")
    texts = [frame[c].astype("string").fillna("-").tolist() for c in _EVIDENCE_FIELDS]
    # the times are ours (formatted above); every other cell comes from the log
    html_cells = zip(times.tolist(), *(_escaped(t, html_text) for t in texts), strict=True)
    md_cells = zip(times.tolist(), *(_escaped(t, markdown_cell) for t in texts), strict=True)
    html_rows = ["<tr><td>" + "</td><td>".join(r) + "</td></tr>" for r in html_cells]
    md_rows = ["| " + " | ".join(r) + " |" for r in md_cells]
    starts = _utc(frame["window_start"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    keys = list(zip(frame["actor_id"].astype(str).tolist(), starts.tolist(), strict=True))
    total = frame["evidence_total"].to_numpy(dtype=np.int64)
    flagged = frame["evidence_flagged"].to_numpy(dtype=bool)
    out: dict[tuple[str, int], _Evidence] = {}
    first = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[first]:
            out[keys[first]] = _Evidence(
                shown=i - first,
                total=int(total[first]),
                flagged=bool(flagged[first]),
                html_rows="".join(html_rows[first:i]),
                markdown_rows="\n".join(md_rows[first:i]),
            )
            first = i
    return out


@dataclass(frozen=True)
class _Card:
    """One alert as the page shows it."""

    rank: int
    row: dict[str, Any]
    reasons: list[dict[str, Any]]
    evidence: _Evidence
    times: np.ndarray
    history: np.ndarray
    band: tuple[float, float]
    window: str
    start_ns: int
    anchor: str

    @property
    def handle(self) -> str:
        h = self.row["actor_handle"]
        return str(h) if isinstance(h, str) and h else str(self.row["actor_id"])

    @functools.cached_property
    def query(self) -> str:
        return duckdb_query(self.row["actor_id"], self.row["window_start"], self.row["window_end"])

    @functools.cached_property
    def grants(self) -> str:
        """The grants query when a reason is the owner roles given to a new account, else ``""``."""
        named = self.row.get("reason_features")
        if not isinstance(named, str) or _GRANTS_REASON not in named.split():
            return ""
        return grants_query(self.row["actor_id"], self.row["window_start"], self.row["window_end"])

    @property
    def techniques(self) -> list[str]:
        value = self.row.get("attack_techniques")
        ids = "" if value is None or pd.isna(value) else str(value)
        ids = ids.split()
        return [f"{a.uid} {a.sub_technique or a.technique} ({a.tactic})" for a in attacks_of(ids)]


def _utc(values: pd.Series) -> pd.Series:
    """Parse window bounds as UTC timestamps (scores read back from text hold strings)."""
    return pd.to_datetime(values, utc=True, format="ISO8601")


def _window_texts(start: pd.Series, end: pd.Series) -> list[str]:
    """Name windows: ``"2026-02-16 (UTC day)"``, or their bounds for other lengths."""
    day = ((end - start) == pd.Timedelta(days=1)) & (start == start.dt.normalize())
    days = start.dt.strftime("%Y-%m-%d") + " (UTC day)"
    spans = start.dt.strftime("%Y-%m-%d %H:%M") + " to " + end.dt.strftime("%Y-%m-%d %H:%M UTC")
    return np.where(
        day.to_numpy(dtype=bool), days.to_numpy(object), spans.to_numpy(object)
    ).tolist()


def _keyed(frame: pd.DataFrame) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Split a details frame into records by (actor id, window start in ns)."""
    if frame.empty:
        return {}
    starts = _utc(frame["window_start"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    records = frame.drop(columns=["actor_id", "window_start"]).to_dict("records")
    for actor, start, rec in zip(frame["actor_id"].astype(str), starts, records, strict=True):
        groups.setdefault((actor, int(start)), []).append(rec)
    return groups


def _histories(scores: pd.DataFrame, actors: set[str]) -> dict[str, tuple[Any, ...]]:
    """Per actor: its window starts (ns) and scores in time order, and their quartiles."""
    mine = scores[scores["actor_id"].isin(actors)]
    starts = mine["window_start"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = np.lexsort((starts, mine["actor_id"].to_numpy(dtype=object).astype(str)))
    ids = mine["actor_id"].to_numpy(dtype=object)[order]
    times, values = starts[order], mine["score"].to_numpy(dtype=np.float64)[order]
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = zip(np.r_[0, cuts], np.r_[cuts, len(ids)], strict=True)
    out = {}
    for a, b in bounds:
        if b > a:
            q1, q3 = np.quantile(values[a:b], [0.25, 0.75])
            out[str(ids[a])] = (times[a:b], values[a:b], (float(q1), float(q3)))
    return out


def _cards(data: TriageData) -> list[_Card]:
    """Build the cards of the report, in triage order."""
    scores = data.scores.assign(
        window_start=_utc(data.scores["window_start"]),
        window_end=_utc(data.scores["window_end"]),
        actor_id=data.scores["actor_id"].astype(str),
    )
    rows = triage_windows(scores)
    if rows.empty:
        return []
    reasons, evidence = _keyed(data.reasons), _evidence_blocks(data.evidence)
    history = _histories(scores, set(rows["actor_id"]))
    starts = rows["window_start"].to_numpy(dtype="datetime64[ns]").view(np.int64).tolist()
    windows = _window_texts(rows["window_start"], rows["window_end"])
    cards = []
    records = rows.to_dict("records")
    for rank, (row, start, window) in enumerate(zip(records, starts, windows, strict=True), 1):
        key = (row["actor_id"], start)
        times, values, band = history[row["actor_id"]]
        cards.append(
            _Card(
                rank=rank,
                row=row,
                reasons=reasons.get(key, []),
                evidence=evidence.get(key, _Evidence()),
                times=times,
                history=values,
                band=band,
                window=window,
                start_ns=start,
                anchor=card_anchor(row["actor_id"], row["window_start"]),
            )
        )
    return cards


def _period(scores: pd.DataFrame) -> tuple[int, int]:
    """Return the first and last window start of the scored period (ns)."""
    starts = _utc(scores["window_start"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    return (int(starts.min()), int(starts.max())) if len(starts) else (0, 0)


# ------------------------------------------------------------------------- shared tables


def _read_table(data: TriageData) -> pd.DataFrame:
    """Return the read counts per input, as text."""
    return data.files.astype(object).map(lambda v: f"{v:,}" if isinstance(v, int) else str(v))


def _severity_table(data: TriageData) -> pd.DataFrame:
    """Count alerts per severity: to triage, suppressed."""
    s = data.scores
    alert = s["alert"].astype(bool)
    suppressed = _texts(s["suppressed_by"]) != ""
    sev = s["severity"].astype(str)
    to_triage, silenced = alert & ~suppressed, alert & suppressed
    names = [n for n in _SEVERITY_ORDER if (alert & (sev == n)).any()]
    names += sorted(set(sev[alert]) - set(names))
    rows = [
        (n, int((to_triage & (sev == n)).sum()), int((silenced & (sev == n)).sum())) for n in names
    ]
    rows.append(("all", int(to_triage.sum()), int(silenced.sum())))
    return pd.DataFrame(rows, columns=["severity", "alerts to triage", "suppressed"]).astype(str)


def _rules_table(data: TriageData) -> pd.DataFrame:
    """List each rule: what it matches, until when, whether it fired, why it exists."""
    res = data.suppression
    rows = []
    for r in data.rules:
        if res is not None and r in res.expired:
            outcome = "expired: suppressed nothing"
        else:
            n = res.fired.get(r.id, 0) if res is not None else 0
            outcome = f"suppressed {n} alert{'' if n == 1 else 's'}"
        match = "; ".join(
            f"{k} {v}"
            for k, v in (("actor", r.actor), ("org", r.org), ("features", " ".join(r.features)))
            if v
        )
        rows.append((r.id, outcome, r.expires.isoformat(), match, r.comment))
    return pd.DataFrame(rows, columns=["rule", "outcome", "expires", "matches", "comment"])


def _suppressed_table(data: TriageData) -> pd.DataFrame:
    """List the suppressed alerts, highest score first."""
    s = data.scores
    hit = s["alert"].to_numpy(dtype=bool) & (_texts(s["suppressed_by"]) != "")
    rows = s.loc[hit].sort_values(["score", "actor_id"], ascending=[False, True], kind="stable")
    return pd.DataFrame(
        {
            "rule": rows["suppressed_by"].astype(str),
            "actor": actor_names(rows["actor_handle"], rows["actor_id"]),
            "window": _window_texts(_utc(rows["window_start"]), _utc(rows["window_end"])),
            "score": [score_text(v) for v in rows["score"]],
            "reasons": _texts(rows["reasons"]),
        }
    )


def _triage_list(cards: Sequence[_Card]) -> _Rows:
    """List the cards, one line each."""
    columns = ("#", "score", "severity", "actor", "org", "window", "first reason")
    return columns, [
        (
            str(c.rank),
            score_text(c.row["score"]),
            str(c.row["severity"]),
            c.handle,
            _text_or_dash(c.row["identity_handle"]),
            c.window,
            _text_or_dash(c.row["reasons"] or "-").split("; ")[0],
        )
        for c in cards
    ]


def _text_or_dash(value: object) -> str:
    """Return the text of a possibly missing value (``-`` when missing)."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return "-" if missing else str(value)


def _evidence_caption(evidence: _Evidence) -> str:
    """Say which records a card lists: ``"First 10 of 143 records flagged ..."``."""
    if not evidence.shown:
        return "No evidence records listed."
    total, shown = evidence.total, evidence.shown
    what = (
        "flagged for the reasons"
        if evidence.flagged
        else "of the window (none is flagged for the reasons)"
    )
    if shown < total:
        lead = f"First {shown:,} of {plural(total, 'record')}"
    else:
        lead = "The 1 record" if total == 1 else f"All {plural(total, 'record')}"
    return f"{lead} {what}."


def _rarity(share: float) -> str:
    """Say how rare a deviation was: ``"1 in 4,650"`` training windows."""
    if not np.isfinite(share) or share <= 0:
        return "-"
    return f"1 in {round(1 / share):,}" if share < 0.5 else f"{share:.0%}"


def _reason_table(reasons: Sequence[dict[str, Any]]) -> _Rows:
    """Return the card's reasons and their values, as text."""
    columns = ("reason", "this window", "typical for the actor", "all actors", "peers")
    return (*columns, "deviation as large"), [
        (
            str(r["reason"]),
            *(str(r[k]) or "-" for k in ("actual_label", "typical_label", "overall_label")),
            str(r["peers_label"] or "-"),
            _rarity(float(r["training_share"])),
        )
        for r in reasons
    ]


def _summary(data: TriageData, cards: Sequence[_Card]) -> str:
    """Say in one sentence: windows scored, alerts, suppressed, to triage."""
    s = data.scores
    n_alerts = int(s["alert"].astype(bool).sum())
    suppressed = n_alerts - len(cards)
    return (
        f"{len(s):,} actor-window{'' if len(s) == 1 else 's'} scored; "
        f"{n_alerts:,} alert{'' if n_alerts == 1 else 's'} (score > {data.threshold:.4f}), "
        f"{suppressed:,} suppressed by a rule, {len(cards):,} to triage below, highest score "
        "first."
    )


# ------------------------------------------------------------------------------- Markdown


def _spark(values: np.ndarray) -> str:
    """Draw a score line in Unicode blocks (0 lowest, 1 highest)."""
    idx = np.clip((np.asarray(values) * len(_SPARK)).astype(int), 0, len(_SPARK) - 1)
    return "".join(_SPARK[i] for i in idx)


def _card_markdown(card: _Card, threshold: float) -> list[str]:
    """Render one card in Markdown."""
    row = card.row
    org = _text_or_dash(row["identity_handle"])
    lines = [
        f'<a id="{card.anchor}"></a>',
        "",
        f"### {card.rank}. {markdown_cell(row['severity'])} · {score_text(row['score'])} · "
        f"{markdown_cell(card.handle)}",
        "",
        f"- **Actor:** {markdown_cell(card.handle)} · id {markdown_cell(row['actor_id'])} · "
        f"organisation {markdown_cell(org)}",
        f"- **Window:** {card.window} · {plural(int(row['n_events']), 'event')}",
        f"- **Score:** {score_text(row['score'])} ({markdown_cell(row['severity'])}; alert "
        f"threshold {threshold:.4f})",
        f"- **MITRE ATT&CK:** {markdown_cell('; '.join(card.techniques) or 'none named')}",
        "",
    ]
    if card.reasons:
        lines += ["**Why**", "", _md_table(_reason_table(card.reasons)), ""]
    elif row["reasons"]:  # nothing named: the reasons cell says why
        lines += [f"**Why:** {markdown_cell(row['reasons'])}", ""]
    lines += [
        f"**Score over the scored period** ({plural(len(card.history), 'window')} of this "
        f"actor, usual {card.band[0]:.3f} to {card.band[1]:.3f}): {_spark(card.history)}",
        "",
        f"**Evidence.** {_evidence_caption(card.evidence)}",
        "",
    ]
    if card.evidence.shown:
        head = markdown_rows(_EVIDENCE_HEAD, [])
        lines += [f"{head}\n{card.evidence.markdown_rows}", ""]
    lines += ["**The window's records** (DuckDB, Tailpipe's `pipes_audit_log`):", ""]
    lines += [markdown_code(card.query, "sql"), ""]
    if card.grants:
        lines += ["**The grants naming this account** (who made it owner; DuckDB):", ""]
        lines += [markdown_code(card.grants, "sql"), ""]
    return lines


def triage_markdown(data: TriageData) -> str:
    """Render the triage report as Markdown.

    Parameters
    ----------
    data : TriageData

    Returns
    -------
    str
        Headings: what was read, alerts by severity, suppression rules (when given), the
        triage list, then one section per card (anchored ``card-<hash>``).
    """
    return _markdown(data, _cards(data))


def triage_pages(data: TriageData) -> tuple[str, str]:
    """Render the triage report as Markdown and as HTML, building its cards once.

    Parameters
    ----------
    data : TriageData

    Returns
    -------
    (str, str)
        :func:`triage_markdown` and :func:`triage_html` of ``data``.
    """
    cards = _cards(data)
    return _markdown(data, cards), _html(data, cards)


def _markdown(data: TriageData, cards: Sequence[_Card]) -> str:
    """Render the Markdown page of the given cards."""
    parts = [f"# {markdown_cell(data.title)}", ""]
    if data.source:
        parts += [markdown_cell(data.source), ""]
    parts += [_summary(data, cards), "", "## What was read", "", markdown_table(_read_table(data))]
    n_rejected = int(data.files["rejected"].iloc[-1]) if len(data.files) else 0
    if n_rejected:
        parts += ["", f"{_rejects_lead(len(data.rejects), n_rejected)}:", ""]
        parts += [markdown_table(data.rejects.astype(str))]
    parts += ["", "## Alerts by severity", "", markdown_table(_severity_table(data)), ""]
    if data.rules:
        parts += ["## Suppression rules", "", markdown_table(_rules_table(data)), ""]
        suppressed = _suppressed_table(data)
        if len(suppressed):
            parts += ["Suppressed alerts:", "", markdown_table(suppressed), ""]
    parts += ["## Triage list", ""]
    if cards:
        parts += [_md_table(_triage_list(cards)), "", "## Alerts", ""]
        for card in cards:
            parts += _card_markdown(card, data.threshold)
    else:
        parts += ["No alert to triage.", ""]
    return "\n".join(parts)


def _rejects_lead(shown: int, total: int, *, code: str = "`") -> str:
    """Say which rejected records are listed, of how many (``code`` marks the option)."""
    lead = f"All {total:,}" if shown >= total else f"First {shown:,} of {total:,}"
    plural = "" if total == 1 else "s"
    return f"{lead} rejected record{plural} ({code}--rejects FILE{code} keeps them all)"


# ----------------------------------------------------------------------------------- HTML

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1150px;margin:1.5em auto;color:#222;"
    "padding:0 1em}h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;"
    "margin-top:1.6em}table{border-collapse:collapse;margin:.4em 0 1em}th,td{border:1px solid "
    "#d5d5d5;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    ".num{text-align:right}.card{border:1px solid #ccc;border-left:8px solid #999;border-radius:"
    "4px;padding:.6em 1em;margin:1.2em 0}.sev-critical{border-left-color:#b71c1c}.sev-high"
    "{border-left-color:#e65100}.sev-medium{border-left-color:#f9a825}.card h3{margin:.2em 0 "
    ".5em}dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0 0 "
    ".6em}dl.facts dt{font-weight:600}dl.facts dd{margin:0}code,pre{font-family:ui-monospace,"
    "monospace;font-size:90%}pre{background:#f6f8fa;padding:.6em;overflow-x:auto}"
    ".legend span{margin-right:1.2em}.dot{display:inline-block;width:10px;height:10px;"
    "border-radius:50%;margin-right:4px}.muted{color:#666}table.evidence td{font-size:90%}"
    "table.triage td:nth-child(-n+6){white-space:nowrap}"
)


def _md_table(table: _Rows) -> str:
    """Render a table of text cells in Markdown (:func:`~pipes_anomaly._text.markdown_rows`)."""
    return markdown_rows(*table)


def _frame_rows(frame: pd.DataFrame) -> _Rows:
    """Turn a frame into a table of text cells."""
    return tuple(str(c) for c in frame.columns), [
        tuple(str(v) for v in row) for row in frame.itertuples(index=False)
    ]


def _html_table(table: _Rows, *, cls: str = "", numeric: Sequence[str] = ()) -> str:
    """Render a table of escaped cells (columns in ``numeric`` right-aligned)."""
    columns, rows = table
    head = "".join(f"<th>{html_text(c)}</th>" for c in columns)
    align = [' class="num"' if c in numeric else "" for c in columns]
    body = "".join(
        "<tr>"
        + "".join(f"<td{a}>{html_text(v)}</td>" for a, v in zip(align, row, strict=True))
        + "</tr>"
        for row in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _legend() -> str:
    """Say what the marks of the reason plots mean."""
    c = _svg.COLOURS
    items = (
        ("actual", "this window"),
        ("typical", "typical for the actor (ring)"),
        ("overall", "typical over all actors (tick)"),
        ("peers", "peers' median (diamond)"),
    )
    return (
        '<p class="legend muted">'
        + "".join(
            f'<span><i class="dot" style="background:{c[k]}"></i>{html_text(t)}</span>'
            for k, t in items
        )
        + "</p>"
    )


def _reasons_html(reasons: Sequence[dict[str, Any]]) -> str:
    """Render the card's reasons: sentence, dot plot, how rare."""
    rows = []
    for r in reasons:
        plot = _svg.reason_plot(
            *(float(r[k]) for k in ("actual", "typical", "overall", "peers")),
            [str(r[k]) for k in ("actual_label", "typical_label", "overall_label", "peers_label")],
        )
        rows.append(
            f"<tr><td>{html_text(r['reason'])}</td><td>{plot}</td>"
            f'<td class="num">{html_text(_rarity(float(r["training_share"])))}</td></tr>'
        )
    return (
        '<table class="reasons"><thead><tr><th>reason</th><th>this window against typical '
        "values</th><th>deviation as large in training</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _card_html(
    card: _Card, threshold: float, period: tuple[int, int], lines: dict[str, str]
) -> str:
    """Render one card as an ``<article>`` (``lines``: score lines drawn so far, by actor)."""
    row = card.row
    sev = str(row["severity"])
    facts = [
        ("actor", f"{card.handle}"),
        ("actor id", str(row["actor_id"])),
        ("organisation", _text_or_dash(row["identity_handle"])),
        ("window", f"{card.window}, {plural(int(row['n_events']), 'event')}"),
        ("score", f"{score_text(row['score'])} ({sev}; alert threshold {threshold:.4f})"),
        ("MITRE ATT&CK", "; ".join(card.techniques) or "none named"),
    ]
    dl = "".join(f"<dt>{html_text(k)}</dt><dd>{html_text(v)}</dd>" for k, v in facts)
    base = lines.get(card.row["actor_id"])
    if base is None:  # one actor's line is the same on each of its cards
        base = _svg.score_line_base(
            card.times, card.history, period=period, band=card.band, threshold=threshold
        )
        lines[card.row["actor_id"]] = base
    mark = _svg.score_line_mark(card.times, card.history, period=period, mark=card.start_ns)
    line = f"{base}{mark}</svg>"
    parts = [
        f'<article class="card sev-{html_text(sev)}" id="{card.anchor}">',
        f"<h3>{card.rank}. {html_text(sev)} · {score_text(row['score'])} · "
        f"{html_text(card.handle)}</h3>",
        f'<dl class="facts">{dl}</dl>',
    ]
    if card.reasons:
        parts += ["<h4>Why</h4>", _reasons_html(card.reasons)]
    elif row["reasons"]:  # nothing named: the reasons cell says why
        parts += ["<h4>Why</h4>", f"<p>{html_text(row['reasons'])}</p>"]
    parts += [
        "<h4>Score over the scored period</h4>",
        f'<p>{line}<br><span class="muted">{plural(len(card.history), "window")} of this actor; '
        f"band: its usual scores ({card.band[0]:.3f} to {card.band[1]:.3f}); dashed: the "
        "alert threshold; red: this window.</span></p>",
        f"<h4>Evidence</h4><p>{html_text(_evidence_caption(card.evidence))}</p>",
    ]
    if card.evidence.shown:
        head = "".join(f"<th>{c}</th>" for c in _EVIDENCE_HEAD)
        parts.append(
            f'<table class="evidence"><thead><tr>{head}</tr></thead>'
            f"<tbody>{card.evidence.html_rows}</tbody></table>"
        )
    parts += [
        "<h4>The window's records (DuckDB, Tailpipe's <code>pipes_audit_log</code>)</h4>",
        f'<pre class="query"><code>{_html_lines(card.query)}</code></pre>',
    ]
    if card.grants:
        parts += [
            "<h4>The grants naming this account (who made it owner; DuckDB)</h4>",
            f'<pre class="query"><code>{_html_lines(card.grants)}</code></pre>',
        ]
    parts.append("</article>")
    return "\n".join(parts)


def _html_lines(text: str) -> str:
    """Escape each line of a text for a ``<pre>`` block, keeping its line breaks."""
    return "\n".join(html_text(line) for line in text.split("\n"))


def _triage_list_html(cards: Sequence[_Card]) -> str:
    """Render the triage list, each line linking to its card."""
    columns, cells_of = _triage_list(cards)
    head = "".join(f"<th>{html_text(c)}</th>" for c in columns)
    rows = []
    for card, cells in zip(cards, cells_of, strict=True):
        first = f'<td class="num"><a href="#{card.anchor}">{html_text(cells[0])}</a></td>'
        rest = "".join(f"<td>{html_text(v)}</td>" for v in cells[1:])
        rows.append(f"<tr>{first}{rest}</tr>")
    return (
        f'<table class="triage"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def triage_html(data: TriageData) -> str:
    """Render the triage report as one self-contained HTML page.

    Parameters
    ----------
    data : TriageData

    Returns
    -------
    str
        An HTML document with inline CSS and SVG, no script, and a
        Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`) under which the page
        can request nothing; every card is an ``<article class="card">`` with the id
        :func:`card_anchor` gives.
    """
    return _html(data, _cards(data))


def _html(data: TriageData, cards: Sequence[_Card]) -> str:
    """Render the HTML page of the given cards."""
    period = _period(data.scores)
    body = [f"<h1>{html_text(data.title)}</h1>"]
    if data.source:
        body.append(f'<p class="muted">{html_text(data.source)}</p>')
    body += [
        f"<p>{html_text(_summary(data, cards))}</p>",
        '<section id="read"><h2>What was read</h2>',
        _html_table(_frame_rows(_read_table(data)), numeric=list(data.files.columns[1:])),
    ]
    n_rejected = int(data.files["rejected"].iloc[-1]) if len(data.files) else 0
    if n_rejected:
        lead = _rejects_lead(len(data.rejects), n_rejected, code="")
        body.append(f"<p>{html_text(lead)}:</p>")
        body.append(_html_table(_frame_rows(data.rejects)))
    body += [
        '</section><section id="severity"><h2>Alerts by severity</h2>',
        _html_table(_frame_rows(_severity_table(data)), numeric=["alerts to triage", "suppressed"]),
        "</section>",
    ]
    if data.rules:
        body += ['<section id="suppression"><h2>Suppression rules</h2>']
        body.append(_html_table(_frame_rows(_rules_table(data))))
        suppressed = _suppressed_table(data)
        if len(suppressed):
            body += ["<p>Suppressed alerts:</p>"]
            body.append(_html_table(_frame_rows(suppressed), numeric=["score"]))
        body.append("</section>")
    body.append('<section id="triage"><h2>Triage list</h2>')
    if cards:
        body += [_triage_list_html(cards), '</section><section id="cards"><h2>Alerts</h2>']
        body.append(_legend())
        lines: dict[str, str] = {}
        body += [_card_html(card, data.threshold, period, lines) for card in cards]
    else:
        body.append("<p>No alert to triage.</p>")
    body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html_text(data.title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
