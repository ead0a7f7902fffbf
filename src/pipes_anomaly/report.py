"""Presentation: terminal tables of alerts and the evaluation report (Markdown, HTML, PNG).

The evaluation report can list the alerts with their truth and link each to its card in the
triage report of the same scores (:class:`CardLinks`, :mod:`pipes_anomaly.triage`).

Text from data reaches each of them through :mod:`pipes_anomaly._text`: terminal cells as
Rich ``Text`` with control characters made visible, Markdown and HTML escaped, plot labels
without mathtext.
"""

from __future__ import annotations

import base64
import io
import math
import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from rich.table import Table

from pipes_anomaly._text import (
    actor_names,
    html_text,
    markdown_cell,
    markdown_table,
    plot_text,
    score_text,
    terminal_cell,
)
from pipes_anomaly.evaluation import EvaluationResult
from pipes_anomaly.triage import card_anchor, triage_windows


def alerts_table(scores: pd.DataFrame, *, top: int = 20, title: str | None = None) -> Table:
    """Rich table of the top alerts of a scores frame, highest score first.

    Parameters
    ----------
    scores : DataFrame
        ``pipeline.score_events`` output (design.md section 5).
    top : int, default 20
        Most rows shown.
    title : str, optional
        Table title; default says how many alerts are shown of how many.

    Returns
    -------
    rich.table.Table
        Columns: rank, score (higher = more anomalous), severity, actor, window start
        (UTC), events, reasons; alerts suppressed by a rule (``suppressed_by``) are left out.
    """
    alerts = triage_windows(scores)  # suppressed alerts are not shown
    shown = alerts.head(top)
    noun = "alert" if len(alerts) == 1 else "alerts"
    default_title = f"Top {len(shown)} of {len(alerts):,} {noun} (score: higher = more anomalous)"
    table = Table(title=title or default_title)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("actor", no_wrap=True, max_width=20)
    table.add_column("window (UTC)", no_wrap=True)
    table.add_column("events", justify="right", no_wrap=True)
    table.add_column("reasons", ratio=1)
    span = scores["window_end"] - scores["window_start"] if len(scores) else None
    hourly = bool(len(scores)) and bool((span < pd.Timedelta(days=1)).any())
    colour = {
        "critical": "bold red",
        "high": "red",
        "medium": "yellow",
        "low": "green",
        "none": "dim",
    }
    names = actor_names(shown["actor_handle"], shown["actor_id"])
    rows = zip(shown.itertuples(index=False), names, strict=True)
    for rank, (row, handle) in enumerate(rows, start=1):
        start = row.window_start
        when = start.strftime("%Y-%m-%d %H:%M") if hasattr(start, "strftime") else str(start)
        when = when.removesuffix(" 00:00") if hourly is False else when
        table.add_row(
            str(rank),
            score_text(row.score),
            terminal_cell(row.severity, colour.get(row.severity, "")),
            terminal_cell(handle),
            terminal_cell(when),
            f"{int(row.n_events):,}",
            terminal_cell(row.reasons or "-"),
        )
    return table


#: Budgets whose incident counts the detailed tables show.
_DETAIL_BUDGETS = ("1%", "5%")
#: Most points drawn per group in the score plot (the highest: those near the cut-offs).
_MAX_POINTS = 2000
#: The recall every scenario should reach within the 5% budget (drawn as a line).
_RECALL_BAR = 0.6

#: PNG files of the evaluation report, in display order, with their captions.
EVALUATION_PLOTS: dict[str, str] = {
    "pr_curve.png": "Precision-recall curve (actor-windows)",
    "roc_curve.png": "ROC curve (actor-windows)",
    "score_by_scenario.png": "Score distribution by scenario",
    "recall_by_scenario.png": "Recall by scenario within each investigation budget",
}


def _fmt(value: object, digits: int = 3) -> str:
    """Format a metric for a table: ``NaN`` as an en dash, floats with ``digits``."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def _count(value: float) -> str:
    """Format an expected count (may be fractional because of ties)."""
    if math.isnan(value):
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def evaluation_tables(result: EvaluationResult) -> dict[str, pd.DataFrame]:
    """Build the report's tables as display-ready string frames.

    Parameters
    ----------
    result : EvaluationResult

    Returns
    -------
    dict of str to DataFrame
        ``overall``, ``budgets``, ``precision_at_k``, ``scenarios``, ``lookalikes``,
        ``incidents`` (strings, ready for Markdown, HTML or rich).
    """
    labs = list(result.budgets["label"])
    pak = pd.DataFrame(
        {
            "k": result.precision_at_k["k"].astype(str),
            "precision@k": [_fmt(v) for v in result.precision_at_k["precision"]],
            "labelled in top k": [_count(v) for v in result.precision_at_k["positives"]],
        }
    )
    lk = result.lookalikes
    look = pd.DataFrame(
        {
            "look-alike": lk["kind"],
            "benign windows": lk["windows"].astype(str),
            "alerts (flag)": [_count(float(v)) for v in lk["alerts_flag"]],
            "rate (flag)": [_fmt(v) for v in lk["rate_flag"]],
            **{f"in top {lab}": [_count(v) for v in lk[f"alerts@{lab}"]] for lab in labs},
        }
    )
    return {
        "overall": _overall_table(result),
        "budgets": _budgets_table(result, labs),
        "precision_at_k": pak,
        "scenarios": _scenarios_table(result.scenarios, labs),
        "lookalikes": look,
        "incidents": _incidents_table(result.incidents, labs),
    }


def _overall_table(result: EvaluationResult) -> pd.DataFrame:
    """Headline numbers, one metric a row."""
    caught = f"{int(result.incidents['caught_flag'].sum())} / {len(result.incidents)}"
    return pd.DataFrame(
        [
            ("windows", str(result.n_windows)),
            ("window size", result.window),
            ("labelled windows", str(result.n_positive)),
            ("alerts (flag)", str(result.n_alerts)),
            ("precision at flag", _fmt(result.flag["precision"])),
            ("recall at flag", _fmt(result.flag["recall"])),
            ("F1 at flag", _fmt(result.flag["f1"])),
            ("PR-AUC (average precision)", _fmt(result.pr_auc)),
            ("ROC-AUC", _fmt(result.roc_auc)),
            ("incidents caught at flag", caught),
        ],
        columns=["metric", "value"],
    )


def _budgets_table(result: EvaluationResult, labs: list[str]) -> pd.DataFrame:
    """Recall, precision and incidents caught within each investigation budget."""
    b, n_inc = result.budgets, len(result.incidents)
    return pd.DataFrame(
        {
            "budget": b["label"],
            "windows reviewed": b["k"].astype(int).astype(str),
            "score cut-off": [_fmt(v) for v in b["threshold"]],
            "recall": [_fmt(v) for v in b["recall"]],
            "precision": [_fmt(v) for v in b["precision"]],
            "incidents caught": [
                f"{_count(float(result.incidents[f'caught@{lab}'].sum()))} / {n_inc}"
                for lab in labs
            ],
        }
    )


def _scenarios_table(sc: pd.DataFrame, labs: list[str]) -> pd.DataFrame:
    """Recall per scenario at the flag and within each budget."""
    return pd.DataFrame(
        {
            "scenario": sc["scenario"],
            "incidents": sc["incidents"].astype(str),
            "windows": sc["windows"].astype(str),
            "PR-AUC": [_fmt(v) for v in sc["pr_auc"]],
            "recall (flag)": [_fmt(v) for v in sc["recall_flag"]],
            **{f"recall@{lab}": [_fmt(v) for v in sc[f"recall@{lab}"]] for lab in labs},
            "incidents caught (flag)": [_count(v) for v in sc["incidents_flag"]],
            **{
                f"caught@{lab}": [_count(v) for v in sc[f"incidents@{lab}"]]
                for lab in labs
                if lab in _DETAIL_BUDGETS
            },
        }
    )


def _incidents_table(inc: pd.DataFrame, labs: list[str]) -> pd.DataFrame:
    """One row per incident: where it ranked and whether it was caught."""
    return pd.DataFrame(
        {
            "incident": inc["incident_id"],
            "scenario": inc["scenario"],
            "actor": inc["actor_id"],
            "windows": inc["windows"].astype(str),
            "max score": [_fmt(v) for v in inc["max_score"]],
            "best rank": inc["best_rank"].astype(str),
            "alerted": [_fmt(bool(v)) for v in inc["caught_flag"]],
            **{
                f"caught@{lab}": [_fmt(v, 2) for v in inc[f"caught@{lab}"]]
                for lab in labs
                if lab in _DETAIL_BUDGETS
            },
        }
    )


_TABLE_TITLES: dict[str, str] = {
    "overall": "Overall",
    "budgets": "Recall within investigation budgets",
    "precision_at_k": "Precision at k",
    "scenarios": "Recall per scenario",
    "lookalikes": "False alerts on benign look-alikes",
    "incidents": "Incidents",
}


def evaluation_rich_tables(result: EvaluationResult) -> list[Table]:
    """Compact terminal summary: overall, budgets, scenarios and look-alikes.

    Parameters
    ----------
    result : EvaluationResult

    Returns
    -------
    list of rich.table.Table
    """
    tables = evaluation_tables(result)
    labs = [lab for lab in result.budgets["label"] if lab != "0.1%"]
    sc, lk = result.scenarios, result.lookalikes
    tables["scenarios"] = pd.DataFrame(
        {
            "scenario": sc["scenario"],
            "inc.": sc["incidents"].astype(str),
            "flag": [_fmt(v, 2) for v in sc["recall_flag"]],
            **{f"@{lab}": [_fmt(v, 2) for v in sc[f"recall@{lab}"]] for lab in labs},
        }
    )
    tables["lookalikes"] = pd.DataFrame(
        {
            "look-alike": lk["kind"],
            "windows": lk["windows"].astype(str),
            "flag": [_count(float(v)) for v in lk["alerts_flag"]],
            **{f"@{lab}": [_count(v) for v in lk[f"alerts@{lab}"]] for lab in labs},
        }
    )
    out = []
    for key in ("overall", "budgets", "scenarios", "lookalikes"):
        frame = tables[key]
        title = _TABLE_TITLES[key]
        if key in ("scenarios", "lookalikes"):
            title += " (flag, budgets)"
        t = Table(title=title, title_justify="left")
        for i, col in enumerate(frame.columns):
            t.add_column(str(col), justify="left" if i == 0 else "right")
        for row in frame.itertuples(index=False):
            t.add_row(*[terminal_cell(v) for v in row])
        out.append(t)
    return out


_READING_GUIDE = (
    "A window is one actor over one time window; it is *labelled* when any of its records "
    "belongs to an injected incident. A budget of 5% means the analyst reviews the 5% "
    "highest-scored windows. Windows tied at a budget's cut-off share the remaining slots, "
    "so counts can be fractional (expected values under a random order of the tie). "
    "Look-alike false alerts count benign look-alike windows (travel, clean-ups, new hires, "
    "...) that were flagged or fell within the budget."
)


@dataclass(frozen=True)
class CardLinks:
    """Where the triage report of the evaluated scores is, from the evaluation report.

    Attributes
    ----------
    html, markdown : str
        Relative paths of its ``report.html`` and ``report.md``.
    """

    html: str
    markdown: str


#: Title of the section that links the alerts to their triage cards.
_CARDS_TITLE = "Alerts and their triage cards"


def alert_cards(result: EvaluationResult) -> pd.DataFrame:
    """List the alerts of the evaluated scores in triage order, with truth and card anchor.

    Parameters
    ----------
    result : EvaluationResult

    Returns
    -------
    DataFrame
        Text columns ``#``, ``score``, ``actor``, ``window (UTC)``, ``truth`` (the
        scenarios of a labelled window, the kinds of a benign look-alike, or "no label"),
        and ``anchor`` (the card's id, :func:`pipes_anomaly.triage.card_anchor`); the
        alerts a rule suppressed are left out, as in the triage report.
    """
    w = triage_windows(result.windows)
    handle = w["actor_handle"] if "actor_handle" in w.columns else w["actor_id"]
    truth = [
        f"attack: {sc}" if pos else (f"benign look-alike: {lk}" if lk else "no label")
        for pos, sc, lk in zip(w["is_positive"], w["scenarios"], w["lookalike"], strict=True)
    ]
    return pd.DataFrame(
        {
            "#": [str(i) for i in range(1, len(w) + 1)],
            "score": [score_text(v) for v in w["score"]],
            "actor": actor_names(handle, w["actor_id"]),
            "window (UTC)": [f"{t:%Y-%m-%d %H:%M}" for t in w["window_start"]],
            "truth": truth,
            "anchor": [
                card_anchor(a, t) for a, t in zip(w["actor_id"], w["window_start"], strict=True)
            ],
        }
    )


def _href(path: str, anchor: str) -> str:
    """Return a relative link to a card (the path percent-encoded: it stays one link)."""
    return urllib.parse.quote(path, safe="/.-_~") + "#" + anchor


def _cards_markdown(result: EvaluationResult, links: CardLinks) -> list[str]:
    """Render the alerts-and-cards section in Markdown."""
    cards = alert_cards(result)
    body = markdown_table(cards.drop(columns="anchor")).split("\n")
    lines = [body[0][:-1] + "| card |", body[1] + "---|"]
    for row, anchor in zip(body[2:], cards["anchor"], strict=True):
        lines.append(f"{row} [card](<{_href(links.markdown, anchor)}>) |")
    return [f"## {_CARDS_TITLE}", "", "\n".join(lines), ""]


def _cards_html(result: EvaluationResult, links: CardLinks) -> list[str]:
    """Render the alerts-and-cards section in HTML."""
    cards = alert_cards(result)
    cols = [c for c in cards.columns if c != "anchor"]
    head = "".join(f"<th>{html_text(c)}</th>" for c in [*cols, "card"])
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{html_text(v)}</td>" for v in row[:-1])
        + f'<td><a href="{html_text(_href(links.html, row[-1]))}">card</a></td></tr>'
        for row in cards.itertuples(index=False)
    )
    return [
        f"<h2>{html_text(_CARDS_TITLE)}</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>",
    ]


def evaluation_markdown(
    result: EvaluationResult,
    *,
    title: str = "Evaluation report",
    source: str = "",
    cards: CardLinks | None = None,
) -> str:
    """Render the evaluation as Markdown; plots are referenced by file name.

    Parameters
    ----------
    result : EvaluationResult
    title : str, default "Evaluation report"
    source : str, default ""
        A line naming the scores and labels evaluated.
    cards : CardLinks, optional
        The triage report of the same scores: the alerts are listed with a link to their
        card.

    Returns
    -------
    str
        Markdown text linking the PNG files of :data:`EVALUATION_PLOTS`.
    """
    tables = evaluation_tables(result)
    parts = [f"# {title}", ""]
    if source:
        parts += [markdown_cell(source), ""]
    parts += [_READING_GUIDE, ""]
    for note in result.notes:
        parts += [f"> **Note:** {markdown_cell(note)}", ""]
    for key, frame in tables.items():
        parts += [f"## {_TABLE_TITLES[key]}", "", markdown_table(frame), ""]
    if cards is not None:
        parts += _cards_markdown(result, cards)
    parts += ["## Plots", ""]
    for name, caption in EVALUATION_PLOTS.items():
        parts += [f"![{caption}]({name})", ""]
    return "\n".join(parts)


def evaluation_html(
    result: EvaluationResult,
    images: dict[str, bytes],
    *,
    title: str = "Evaluation report",
    source: str = "",
    cards: CardLinks | None = None,
) -> str:
    """Render a self-contained HTML report (plots embedded as base64 PNG).

    Parameters
    ----------
    result : EvaluationResult
    images : dict of str to bytes
        PNG bytes by file name, as returned by :func:`evaluation_plots`.
    cards : CardLinks, optional
        The triage report of the same scores: the alerts are listed with a link to their
        card.
    title : str, default "Evaluation report"
    source : str, default ""
        A line naming the scores and labels evaluated.

    Returns
    -------
    str
        One HTML document with no external references.
    """
    esc = html_text
    tables = evaluation_tables(result)
    body = [f"<h1>{esc(title)}</h1>"]
    if source:
        body.append(f"<p>{esc(source)}</p>")
    body.append(f"<p>{esc(_READING_GUIDE)}</p>")
    for note in result.notes:
        body.append(f'<p class="note"><b>Note:</b> {esc(note)}</p>')
    for key, frame in tables.items():
        body.append(f"<h2>{esc(_TABLE_TITLES[key])}</h2>")
        head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
            for row in frame.itertuples(index=False)
        )
        body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    if cards is not None:
        body += _cards_html(result, cards)
    body.append("<h2>Plots</h2>")
    for name, caption in EVALUATION_PLOTS.items():
        if name in images:
            data = base64.b64encode(images[name]).decode("ascii")
            body.append(
                f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
        "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}"
        ".note{background:#fff6d5;padding:6px}img{max-width:100%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _png(fig: Figure) -> bytes:
    """Render a figure as PNG bytes without a software tag (so runs are byte-identical)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def evaluation_plots(result: EvaluationResult) -> dict[str, bytes]:
    """Draw the report's plots (matplotlib, Agg, no pyplot state).

    Parameters
    ----------
    result : EvaluationResult

    Returns
    -------
    dict of str to bytes
        PNG bytes keyed by the file names of :data:`EVALUATION_PLOTS`.
    """
    return {
        "pr_curve.png": _png(_pr_figure(result)),
        "roc_curve.png": _png(_roc_figure(result)),
        "score_by_scenario.png": _png(_score_figure(result)),
        "recall_by_scenario.png": _png(_recall_figure(result)),
    }


def _pr_figure(result: EvaluationResult) -> Figure:
    """Precision-recall curve against the base rate."""
    base_rate = result.n_positive / result.n_windows if result.n_windows else 0.0
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot()
    if len(result.pr_curve):
        ax.step(result.pr_curve["recall"], result.pr_curve["precision"], where="post")
        ax.axhline(base_rate, color="grey", linestyle=":", label=f"base rate {base_rate:.3f}")
        ax.legend(loc="upper right")
    else:
        ax.text(0.5, 0.5, "undefined (one class only)", ha="center", transform=ax.transAxes)
    ax.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        title=f"Precision-recall (PR-AUC {_fmt(result.pr_auc)})",
    )
    return fig


def _roc_figure(result: EvaluationResult) -> Figure:
    """ROC curve against chance."""
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot()
    if len(result.roc_curve):
        ax.plot(result.roc_curve["fpr"], result.roc_curve["tpr"])
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    else:
        ax.text(0.5, 0.5, "undefined (one class only)", ha="center", transform=ax.transAxes)
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title=f"ROC (AUC {_fmt(result.roc_auc)})",
    )
    return fig


def _score_groups(result: EvaluationResult) -> list[tuple[str, np.ndarray]]:
    """Scores of benign windows, of look-alikes, and of each scenario's windows."""
    w = result.windows
    benign = w[~w["is_positive"]]
    groups: list[tuple[str, np.ndarray]] = [("benign", benign["score"].to_numpy())]
    look = benign[benign["lookalike"].notna()]
    if len(look):
        groups.append(("look-alikes", look["score"].to_numpy()))
    scenario_lists = w["scenarios"].fillna("").str.split(";")
    for scen in result.scenarios["scenario"]:
        mask = scenario_lists.apply(lambda v, s=scen: s in v)
        groups.append((str(scen), w.loc[mask.to_numpy(dtype=bool), "score"].to_numpy()))
    return groups


def _score_figure(result: EvaluationResult) -> Figure:
    """Score distributions by group, with the 5% budget's cut-off."""
    groups = _score_groups(result)
    fig = Figure(figsize=(8, 0.45 * len(groups) + 1.6))
    ax = fig.add_subplot()
    data = [g[1] if len(g[1]) else np.array([np.nan]) for g in groups]
    ax.boxplot(data, orientation="horizontal", showfliers=False, widths=0.6)
    rng = np.random.default_rng(0)  # jitter only; fixed seed keeps PNGs byte-identical
    for i, (_, vals) in enumerate(groups, start=1):
        shown = vals if len(vals) <= _MAX_POINTS else np.sort(vals)[-_MAX_POINTS:]
        ax.scatter(shown, i + rng.uniform(-0.2, 0.2, len(shown)), s=6, alpha=0.4, color="C0")
    ax.set_yticks(range(1, len(groups) + 1), [plot_text(f"{g[0]} ({len(g[1])})") for g in groups])
    cut = result.budgets.loc[result.budgets["label"] == "5%", "threshold"]
    if len(cut) and not math.isnan(float(cut.iloc[0])):
        ax.axvline(float(cut.iloc[0]), color="red", linestyle="--", label="5% budget cut-off")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.invert_yaxis()
    ax.set(xlabel="score (higher = more anomalous)", title="Score by scenario")
    fig.tight_layout()
    return fig


def _recall_figure(result: EvaluationResult) -> Figure:
    """Recall per scenario within each budget, against the project's bar."""
    sc = result.scenarios
    labs = list(result.budgets["label"])
    fig = Figure(figsize=(8, 0.45 * max(len(sc), 1) * 1.2 + 1.8))
    ax = fig.add_subplot()
    if len(sc):
        y = np.arange(len(sc))
        height = 0.8 / len(labs)
        for i, lab in enumerate(labs):
            ax.barh(y + i * height, sc[f"recall@{lab}"].fillna(0.0), height, label=lab)
        ax.set_yticks(y + 0.4 - height / 2, [plot_text(s) for s in sc["scenario"]])
        ax.axvline(_RECALL_BAR, color="grey", linestyle=":")
        ax.legend(title="budget", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "no labelled windows", ha="center", transform=ax.transAxes)
    ax.set(xlim=(0, 1.02), xlabel="recall (share of the scenario's windows)")
    ax.set_title("Recall by scenario within budget")
    fig.tight_layout()
    return fig
