"""Small inline SVG plots for the triage report: no script, no external reference.

Each function returns one ``<svg>`` element as text.  Every text from data goes through
:func:`pipes_anomaly._text.html_text` (valid in SVG as in HTML); coordinates are written
with fixed decimals, so the same values give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pipes_anomaly._text import html_text

__all__ = ["COLOURS", "reason_plot", "score_line"]

#: Colours of the marks (also used by the page's legend).
COLOURS: dict[str, str] = {
    "actual": "#c62828",
    "typical": "#37474f",
    "overall": "#9e9e9e",
    "peers": "#1565c0",
    "band": "#e3ecf5",
    "threshold": "#ef6c00",
    "line": "#607d8b",
}


def _f(x: float) -> str:
    """Write a coordinate with one decimal."""
    return f"{x:.1f}"


def reason_plot(
    actual: float,
    typical: float,
    overall: float,
    peers: float,
    labels: Sequence[str],
    *,
    width: int = 280,
    height: int = 34,
) -> str:
    """Dot plot of one reason: this window against the actor, all actors and its peers.

    Parameters
    ----------
    actual, typical, overall, peers : float
        Values on one scale (``peers`` NaN when the reason is not about peers).
    labels : sequence of str
        The four values as the reason tells them (tooltips and the window's label).
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element: an axis from the smaller of 0 and the values to the largest,
        a line from the actor's typical value to this window's (the deviation), a ring at
        the typical value, a grey tick at all actors' typical value, a blue diamond at the
        peers' value and a red dot at this window's, labelled.
    """
    marks = {"actual": actual, "typical": typical, "overall": overall, "peers": peers}
    finite = [v for v in marks.values() if math.isfinite(v)]
    lo, hi = min(0.0, *finite), max(finite)
    if hi - lo < 1e-12:
        hi = lo + 1.0
    left, right, y = 8.0, width - 60.0, height / 2

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (right - left)

    titles = dict(zip(("actual", "typical", "overall", "peers"), labels, strict=True))
    what = {
        "actual": "this window",
        "typical": "typical for this actor",
        "overall": "typical over all actors",
        "peers": "peers (same organisation and window)",
    }
    tip = {k: html_text(f"{what[k]}: {titles[k]}") for k in marks}
    c = COLOURS
    parts = [
        f'<svg class="reason-plot" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{tip["actual"]}">',
        f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(right)}" y2="{_f(y)}" '
        f'stroke="#cfd8dc" stroke-width="2"/>',
        f'<line x1="{_f(x(typical))}" y1="{_f(y)}" x2="{_f(x(actual))}" y2="{_f(y)}" '
        f'stroke="{c["actual"]}" stroke-width="4" stroke-opacity="0.45"/>',
        f'<rect x="{_f(x(overall) - 1)}" y="{_f(y - 8)}" width="2" height="16" '
        f'fill="{c["overall"]}"><title>{tip["overall"]}</title></rect>',
    ]
    if math.isfinite(peers):
        px = x(peers)
        parts.append(
            f'<path d="M{_f(px)} {_f(y - 6)} L{_f(px + 6)} {_f(y)} L{_f(px)} {_f(y + 6)} '
            f'L{_f(px - 6)} {_f(y)} Z" fill="{c["peers"]}"><title>{tip["peers"]}</title></path>'
        )
    parts += [
        f'<circle cx="{_f(x(typical))}" cy="{_f(y)}" r="5" fill="#fff" '
        f'stroke="{c["typical"]}" stroke-width="2"><title>{tip["typical"]}</title></circle>',
        f'<circle cx="{_f(x(actual))}" cy="{_f(y)}" r="6" fill="{c["actual"]}">'
        f"<title>{tip['actual']}</title></circle>",
        f'<text x="{_f(right + 8)}" y="{_f(y + 4)}" font-size="12" fill="{c["actual"]}">'
        f"{html_text(titles['actual'])}</text>",
        "</svg>",
    ]
    return "".join(parts)


def score_line(
    times: np.ndarray,
    scores: np.ndarray,
    *,
    period: tuple[int, int],
    band: tuple[float, float],
    threshold: float,
    mark: int,
    width: int = 320,
    height: int = 64,
) -> str:
    """Draw the actor's score over the scored period, its usual band and the threshold.

    Parameters
    ----------
    times : ndarray of int
        Window starts of the actor's windows (ns since the epoch), ascending.
    scores : ndarray of float
        Their scores in [0, 1].
    period : (int, int)
        First and last window start of the whole scored period (ns).
    band : (float, float)
        The actor's usual scores (e.g. its quartiles over the period), drawn as a band.
    threshold : float
        The alert cut-off, drawn as a dashed line.
    mark : int
        Window start of the card's window (ns), drawn as a red dot.
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element; the score axis runs from 0 (bottom) to 1 (top).
    """
    left, right, top, bottom = 4.0, width - 4.0, 4.0, height - 4.0
    t0, t1 = period
    t = np.asarray(times, dtype=np.float64)
    xs = left + (t - t0) / (t1 - t0) * (right - left) if t1 > t0 else np.full(len(t), width / 2)
    ys = bottom - np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0) * (bottom - top)
    low, high = (bottom - min(max(v, 0.0), 1.0) * (bottom - top) for v in band)
    cut = bottom - min(max(threshold, 0.0), 1.0) * (bottom - top)
    c = COLOURS
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs.tolist(), ys.tolist(), strict=True))
    parts = [
        f'<svg class="score-line" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="score of this actor over the scored period">',
        f'<rect x="{_f(left)}" y="{_f(high)}" width="{_f(right - left)}" '
        f'height="{_f(max(low - high, 1.0))}" fill="{c["band"]}">'
        f"<title>usual scores of this actor: {band[0]:.3f} to {band[1]:.3f}</title></rect>",
        f'<line x1="{_f(left)}" y1="{_f(cut)}" x2="{_f(right)}" y2="{_f(cut)}" '
        f'stroke="{c["threshold"]}" stroke-dasharray="4 3">'
        f"<title>alert threshold {threshold:.4f}</title></line>",
        f'<polyline points="{points}" fill="none" stroke="{c["line"]}" stroke-width="1.5"/>',
    ]
    hit = np.flatnonzero(np.asarray(times) == mark)
    if len(hit):
        i = int(hit[0])
        parts.append(
            f'<circle cx="{_f(xs[i])}" cy="{_f(ys[i])}" r="4.5" fill="{c["actual"]}">'
            f"<title>this window: {float(scores[i]):.4f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
