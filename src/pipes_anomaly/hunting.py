"""SQL hunting queries (DuckDB), shipped with the package, and a rules baseline.

The queries are package data, one file each (``pipes_anomaly/queries/<name>.sql``, starting
with ``-- name:`` and ``-- title:`` lines, then one ``-- attack:`` line per MITRE ATT&CK
technique the query hunts, as ``<tactic id> <tactic> / <technique id> <technique>`` with an
optional ``/ <sub-technique id> <sub-technique>``): :func:`load_queries` reads them.  The page
``docs/tables/audit_log_table.md`` explains each one and shows its text verbatim
(:func:`parse_queries` reads a page's fenced ``sql`` blocks; a test holds the two equal).
:func:`connect`
defines the ``pipes_audit_log`` view over JSONL or Parquet exports (or a frame of raw
records), :func:`run_queries` runs the queries, and :func:`rule_scores` turns their hits into
actor-window scores (number of rules hit) in the scores shape of design.md section 5, so the
queries can be evaluated like a model with :func:`pipes_anomaly.evaluation.evaluate`.

Every query returns at least ``actor_id, actor_handle, day, first_at, last_at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pandas as pd

from pipes_anomaly._text import visible
from pipes_anomaly.schema import Scenario

__all__ = [
    "Attack",
    "HuntingQuery",
    "QUERY_NAMES",
    "QUERY_SCENARIO",
    "RESULT_COLUMNS",
    "connect",
    "hits_to_windows",
    "load_queries",
    "parse_queries",
    "rule_scores",
    "run_queries",
]

#: Query names, in the order of the documentation page.
QUERY_NAMES: tuple[str, ...] = (
    "destructive_burst",
    "short_lived_workspaces",
    "off_hours",
    "ip_hopping",
    "first_seen_ip",
    "privilege_changes",
    "billing_changes",
    "created_by_mismatch",
    "dormant_reactivation",
    "high_volume_per_minute",
    "hand_made_records",
    "new_account_owner",
    "public_shares",
)

#: The injected scenario each query is meant to find (used by the tests and experiments).
QUERY_SCENARIO: dict[str, Scenario] = {
    "destructive_burst": Scenario.MASS_DELETION,
    "short_lived_workspaces": Scenario.SHORT_LIVED_WORKSPACE,
    "off_hours": Scenario.OFF_HOURS,
    "ip_hopping": Scenario.IMPOSSIBLE_TRAVEL,
    "first_seen_ip": Scenario.ACCOUNT_TAKEOVER,
    "privilege_changes": Scenario.PRIVILEGE_ESCALATION,
    "billing_changes": Scenario.BILLING_CHANGE,
    "created_by_mismatch": Scenario.ACTOR_MISMATCH,
    "dormant_reactivation": Scenario.DORMANT_REACTIVATION,
    "high_volume_per_minute": Scenario.RAPID_SUCCESSION,
    "hand_made_records": Scenario.SERVICE_ACCOUNT_MISUSE,
    "new_account_owner": Scenario.PRIVILEGE_PERSISTENCE,
    "public_shares": Scenario.DATA_EXFILTRATION,
}

#: Columns every query returns.
RESULT_COLUMNS: tuple[str, ...] = ("actor_id", "actor_handle", "day", "first_at", "last_at")

#: Columns of the view; the rest of a Tailpipe row is not needed by the queries.
_VIEW_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "action_type": "VARCHAR",
    "actor_id": "VARCHAR",
    "actor_handle": "VARCHAR",
    "actor_display_name": "VARCHAR",
    "actor_ip": "VARCHAR",
    "created_at": "TIMESTAMP",
    "identity_id": "VARCHAR",
    "identity_handle": "VARCHAR",
    "tenant_id": "VARCHAR",
    "target_id": "VARCHAR",
    "target_handle": "VARCHAR",
    "process_id": "VARCHAR",
    "data": "JSON",
}
#: Columns the view casts: ``created_at`` is read with its UTC offset (a text time may carry
#: one, which a plain cast to TIMESTAMP drops) and kept as a UTC TIMESTAMP.
_VIEW_CASTS: dict[str, str] = {
    "data": "CAST(data AS JSON)",
    "created_at": "timezone('UTC', CAST(created_at AS TIMESTAMPTZ))",
}
#: The view's select list.
_VIEW_SELECT = ", ".join(
    f"{_VIEW_CASTS[c]} AS {c}" if c in _VIEW_CASTS else c for c in _VIEW_COLUMNS
)

_BLOCK = re.compile(r"^```sql[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_NAME = re.compile(r"\A\s*--\s*name:\s*([a-z0-9_]+)\s*\n")
_TITLE = re.compile(r"^--\s*title:\s*(.+?)\s*$", re.MULTILINE)
_ATTACK_LINE = re.compile(r"^--\s*attack:\s*(.+?)\s*$", re.MULTILINE)
_ATTACK_PART = re.compile(r"\A(TA\d{4}|T\d{4}(?:\.\d{3})?)\s+(\S.*)\Z")


@dataclass(frozen=True)
class Attack:
    """One MITRE ATT&CK technique a hunting query looks for, under one tactic.

    Attributes
    ----------
    tactic_uid, tactic : str
        E.g. ``"TA0040"``, ``"Impact"``.
    technique_uid, technique : str
        E.g. ``"T1485"``, ``"Data Destruction"``.
    sub_technique_uid, sub_technique : str
        E.g. ``"T1078.004"``, ``"Cloud Accounts"``; ``""`` for a technique without one.
    """

    tactic_uid: str
    tactic: str
    technique_uid: str
    technique: str
    sub_technique_uid: str = ""
    sub_technique: str = ""

    @property
    def uid(self) -> str:
        """The most specific id: the sub-technique's when there is one."""
        return self.sub_technique_uid or self.technique_uid

    @classmethod
    def parse(cls, text: str) -> Attack:
        """Read ``"TA0040 Impact / T1485 Data Destruction"`` (an optional third part).

        Parameters
        ----------
        text : str
            The text after ``-- attack:``.

        Returns
        -------
        Attack

        Raises
        ------
        ValueError
            When a part is missing, or an id is not of its kind (``TA`` then a technique
            ``T`` id, then a sub-technique of that technique).
        """
        matches = [_ATTACK_PART.match(p.strip()) for p in text.split("/")]
        parts = [m.groups() for m in matches if m is not None]
        if len(parts) != len(matches) or len(parts) not in (2, 3):
            raise ValueError(f"attack line {text!r} is not '<TA id> <tactic> / <T id> <name>'")
        (ta, tactic), (t, technique) = parts[0], parts[1]
        sub, sub_name = parts[2] if len(parts) == 3 else ("", "")
        if not ta.startswith("TA") or t.startswith("TA") or "." in t:
            raise ValueError(f"attack line {text!r}: expected a tactic, then a technique")
        if sub and not sub.startswith(t + "."):
            raise ValueError(f"attack line {text!r}: {sub} is not a sub-technique of {t}")
        return cls(ta, tactic, t, technique, sub, sub_name)


@dataclass(frozen=True)
class HuntingQuery:
    """One hunting query.

    Attributes
    ----------
    name : str
        Its ``-- name:`` line.
    title : str
        Its ``-- title:`` line (e.g. ``"Destructive burst"``).
    sql : str
        The query text exactly as written (trailing ``;`` removed).
    attacks : tuple of Attack
        Its ``-- attack:`` lines, in order.
    """

    name: str
    title: str
    sql: str
    attacks: tuple[Attack, ...] = ()


def _query(text: str) -> HuntingQuery | None:
    """Return the query of one SQL text, None when it has no ``-- name:`` line."""
    named = _NAME.match(text)
    if not named:
        return None
    title = _TITLE.search(text)
    name = named.group(1)
    return HuntingQuery(
        name=name,
        title=title.group(1) if title else name,
        sql=text.strip().rstrip(";").strip(),
        attacks=tuple(Attack.parse(a) for a in _ATTACK_LINE.findall(text)),
    )


def parse_queries(markdown: str) -> dict[str, HuntingQuery]:
    """Extract the named SQL blocks of a Markdown page.

    Parameters
    ----------
    markdown : str
        Page text; blocks are fenced with ```` ```sql ```` and start with ``-- name: x``.
        Unnamed blocks (such as the view definition) are ignored.

    Returns
    -------
    dict of str to HuntingQuery
        In page order.

    Raises
    ------
    ValueError
        When two blocks share a name.
    """
    out: dict[str, HuntingQuery] = {}
    for match in _BLOCK.finditer(markdown):
        query = _query(match.group(1))
        if query is None:
            continue
        if query.name in out:
            raise ValueError(f"duplicate hunting query name: {query.name}")
        out[query.name] = query
    return out


def load_queries() -> dict[str, HuntingQuery]:
    """Read the hunting queries shipped with the package.

    Returns
    -------
    dict of str to HuntingQuery
        In the order of :data:`QUERY_NAMES`.
    """
    folder = resources.files("pipes_anomaly") / "queries"
    out = {}
    for name in QUERY_NAMES:
        query = _query((folder / f"{name}.sql").read_text(encoding="utf-8"))
        if query is None or query.name != name:
            raise ValueError(f"queries/{name}.sql does not start with '-- name: {name}'")
        out[name] = query
    return out


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def connect(
    source: str | Path | Sequence[str | Path] | pd.DataFrame,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open DuckDB with a ``pipes_audit_log`` view over audit records.

    Parameters
    ----------
    source : path, list of paths, or DataFrame
        JSON-lines files (``.jsonl``, ``.json``, ``.jsonl.gz``) or Parquet files (all of one
        kind), or a frame of raw records (``data`` as dicts or JSON strings).
    con : DuckDBPyConnection, optional
        A connection to define the view in; a new in-memory one by default.

    Returns
    -------
    DuckDBPyConnection
        With the view ``pipes_audit_log`` (``created_at`` TIMESTAMP in UTC, ``data`` JSON).
    """
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # no bar of DuckDB's own on stderr
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        for col in _VIEW_COLUMNS:
            if col not in raw.columns:
                raw[col] = None
        raw["data"] = [
            v if (v is None or isinstance(v, str)) else orjson.dumps(v).decode()
            for v in raw["data"]
        ]
        raw["created_at"] = pd.to_datetime(raw["created_at"], utc=True, format="ISO8601")
        raw["created_at"] = raw["created_at"].dt.tz_localize(None)
        raw = raw.loc[:, list(_VIEW_COLUMNS)].astype({"data": object})
        con.register("_pipes_audit_log_raw", raw)
        con.execute(
            f"CREATE OR REPLACE VIEW pipes_audit_log AS SELECT {_VIEW_SELECT} "
            "FROM _pipes_audit_log_raw"
        )
        return con
    items = [source] if isinstance(source, str | Path) else list(source)
    paths = [Path(p) for p in items]
    if not paths:
        raise ValueError("no audit log files given")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"audit log file not found: {p}")
    if all(p.suffix.lower() == ".parquet" for p in paths):
        sql = f"SELECT {_VIEW_SELECT} FROM read_parquet({_sql_list(paths)}, union_by_name = true)"
    else:
        types = _VIEW_COLUMNS | {"created_at": "TIMESTAMPTZ"}  # keeps a text time's offset
        columns = "{" + ", ".join(f"{c}: '{t}'" for c, t in types.items()) + "}"
        sql = (
            f"SELECT {_VIEW_SELECT} FROM read_json({_sql_list(paths)}, "
            f"format = 'newline_delimited', columns = {columns})"
        )
    con.execute(f"CREATE OR REPLACE VIEW pipes_audit_log AS {sql}")
    return con


def run_queries(
    con: duckdb.DuckDBPyConnection,
    queries: Mapping[str, HuntingQuery] | Iterable[HuntingQuery],
) -> dict[str, pd.DataFrame]:
    """Run hunting queries against the ``pipes_audit_log`` view of ``con``.

    Parameters
    ----------
    con : DuckDBPyConnection
        From :func:`connect` (or any connection with a ``pipes_audit_log`` table or view).
    queries : mapping or iterable of HuntingQuery

    Returns
    -------
    dict of str to DataFrame
        Query name to its result; ``first_at``/``last_at`` as ``datetime64[ns, UTC]`` and
        ``day`` as a UTC midnight timestamp.

    Raises
    ------
    ValueError
        When a query does not return the :data:`RESULT_COLUMNS`, or the view's files hold a
        record DuckDB cannot read (its message, made visible, and the fix).
    """
    items = queries.values() if isinstance(queries, Mapping) else queries
    out: dict[str, pd.DataFrame] = {}
    for q in items:
        try:
            frame = con.execute(q.sql).df()
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
            raise ValueError(
                f"hunting query {q.name} cannot read the audit log: {visible(exc)}; the "
                "package's reader names each unreadable line with its field and reason "
                "(`pipes_anomaly.io.read_events(path).rejects`): remove or repair those lines"
            ) from None

        missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"hunting query {q.name} does not return {', '.join(missing)}")
        for col in ("first_at", "last_at", "day"):
            frame[col] = (
                pd.to_datetime(frame[col]).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
            )
        frame["actor_id"] = frame["actor_id"].astype("string")
        out[q.name] = frame
    return out


def hits_to_windows(
    hits: Mapping[str, pd.DataFrame], windows: pd.DataFrame, *, weighting: str = "count"
) -> pd.DataFrame:
    """Count, for each actor-window, the rules whose matching span overlaps it.

    A hit covers ``[first_at, last_at]`` of its actor; a window ``[window_start,
    window_end)`` is hit when the two overlap.

    Parameters
    ----------
    hits : mapping of str to DataFrame
        Output of :func:`run_queries`.
    windows : DataFrame
        ``actor_id, window_start, window_end`` (UTC datetimes), e.g. a features or scores
        frame; other columns are kept.
    weighting : {"count", "rarity"}, default "count"
        ``count``: score = number of rules hit.  ``rarity``: each rule hit adds
        ``-log10(share of windows the rule hits)``, so rare rules outrank noisy ones and
        fewer windows tie (label-free).

    Returns
    -------
    DataFrame
        ``windows`` (fresh index) plus ``score`` (float, higher = more anomalous; the number of
        rules hit with ``weighting="count"``), ``alert`` (any rule hit), ``rules``
        (``;``-joined names, ``""`` when none) and one ``rule_<name>`` bool column per query.
    """
    if weighting not in ("count", "rarity"):
        raise ValueError(f"weighting must be 'count' or 'rarity', got {weighting!r}")
    out = windows.reset_index(drop=True).copy()
    out["actor_id"] = out["actor_id"].astype("string")
    n = len(out)
    key = out.loc[:, ["actor_id", "window_start", "window_end"]].copy()
    key["_w"] = np.arange(n)
    score = np.zeros(n, dtype="float64")
    names: list[list[str]] = [[] for _ in range(n)]
    for name, frame in hits.items():
        flag = np.zeros(n, dtype=bool)
        if len(frame):
            spans = frame.loc[:, ["actor_id", "first_at", "last_at"]]
            m = key.merge(spans, on="actor_id", how="inner")
            ok = (m["first_at"] < m["window_end"]) & (m["last_at"] >= m["window_start"])
            flag[np.unique(m.loc[ok, "_w"].to_numpy())] = True
        out[f"rule_{name}"] = flag
        if weighting == "rarity" and flag.any():
            score += flag * -np.log10(flag.sum() / max(n, 1))
        else:
            score += flag
        for i in np.flatnonzero(flag):
            names[i].append(name)
    out["score"] = score
    out["alert"] = np.array([bool(v) for v in names], dtype=bool)
    out["rules"] = [";".join(v) for v in names]
    return out


def _utc(value: str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def rule_scores(
    source: str | Path | Sequence[str | Path] | pd.DataFrame,
    *,
    queries: Mapping[str, HuntingQuery] | None = None,
    window: str = "1d",
    windows: pd.DataFrame | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    weighting: str = "count",
) -> pd.DataFrame:
    """Score actor-windows by the number of hunting queries that hit them (a rules baseline).

    The queries see all of ``source`` (history included); the output covers the windows
    that have records in ``[start, end)`` (or the given ``windows``).

    Parameters
    ----------
    source : path, list of paths, or DataFrame
        Audit records, see :func:`connect`; pass training and test files together so that
        history-based rules see the history.
    queries : mapping of str to HuntingQuery, optional
        Defaults to :func:`load_queries` (the queries shipped with the package).
    window : str, default "1d"
        Window size (a pandas frequency such as ``"1d"`` or ``"1h"``) when ``windows`` is not
        given; windows are aligned to UTC.
    windows : DataFrame, optional
        Score exactly these actor-windows (``actor_id, window_start, window_end``), e.g. the
        model's scores frame, so both are evaluated on the same rows.
    start, end : str or Timestamp, optional
        Keep windows starting at or after ``start`` and before ``end`` (UTC).
    weighting : {"count", "rarity"}, default "count"
        How rule hits add up, see :func:`hits_to_windows`.

    Returns
    -------
    DataFrame
        ``actor_id, actor_handle, window_start, window_end, n_events, score, alert, rules``
        plus one ``rule_<name>`` column per query; ``score`` is higher = more anomalous
        (the number of rules hit with ``weighting="count"``); ``alert`` = any rule hit.
    """
    queries = dict(queries) if queries is not None else load_queries()
    con = connect(source)
    try:
        if windows is None:
            size = pd.Timedelta(re.sub(r"d$", "D", window))  # "1d" is deprecated in pandas
            seconds = int(size.total_seconds())
            base = con.execute(
                f"""
                SELECT actor_id, max(actor_handle) AS actor_handle,
                    to_timestamp(floor(epoch(created_at) / {seconds}) * {seconds})
                        AS window_start,
                    count(*) AS n_events
                FROM pipes_audit_log
                WHERE actor_id IS NOT NULL
                GROUP BY ALL
                ORDER BY window_start, actor_id
                """
            ).df()
            base["window_start"] = pd.to_datetime(base["window_start"], utc=True).astype(
                "datetime64[ns, UTC]"
            )
            base["window_end"] = base["window_start"] + size
            base = base.loc[
                :, ["actor_id", "actor_handle", "window_start", "window_end", "n_events"]
            ]
        else:
            base = windows.copy()
            for col in ("window_start", "window_end"):
                base[col] = pd.to_datetime(base[col], utc=True, format="ISO8601")
        if start is not None:
            base = base[base["window_start"] >= _utc(start)]
        if end is not None:
            base = base[base["window_start"] < _utc(end)]
        hits = run_queries(con, queries)
    finally:
        con.close()
    return hits_to_windows(hits, base, weighting=weighting)
