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

__all__ = ["COLOURS", "reason_plot", "score_line", "score_line_base", "score_line_mark"]

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


#: What each mark of a reason plot stands for (its tooltip).
_MARK_NAMES = (
    "this window",
    "typical for this actor",
    "typical over all actors",
    "peers (same organisation and window)",
)
#: The reason plot's constant parts: the axis, and the marks' styles.
_AXIS = '<line x1="8.0" y1="{y}" x2="{right}" y2="{y}" stroke="#cfd8dc" stroke-width="2"/>'


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
    """Draw one reason: this window against the actor, all actors and its peers.

    Parameters
    ----------
    actual, typical, overall, peers : float
        Values on one scale (``peers`` NaN when the reason is not about peers).
    labels : sequence of str
        The four values as the reason tells them (the tooltip, and this window's label).
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element: an axis from the smaller of 0 and the values to the largest,
        a bar from the actor's typical value to this window's (the deviation), a ring at
        the typical value, a grey tick at all actors' typical value, a blue diamond at the
        peers' value and a red dot at this window's, labelled.
    """
    values = (actual, typical, overall, peers)
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = min(0.0, *finite), max(finite)
    if hi - lo < 1e-12:
        hi = lo + 1.0
    left, right, y = 8.0, width - 60.0, height / 2
    scale = (right - left) / (hi - lo)
    xa, xt, xo = (left + (v - lo) * scale for v in (actual, typical, overall))
    tip = html_text(
        "; ".join(f"{n}: {t}" for n, t, v in zip(_MARK_NAMES, labels, values, strict=True) if t)
    )
    c = COLOURS
    parts = [
        f'<svg class="reason-plot" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{tip}"><title>{tip}</title>',
        _AXIS.format(y=_f(y), right=_f(right)),
        f'<line x1="{xt:.1f}" y1="{y:.1f}" x2="{xa:.1f}" y2="{y:.1f}" '
        f'stroke="{c["actual"]}" stroke-width="4" stroke-opacity="0.45"/>',
        f'<rect x="{xo - 1:.1f}" y="{y - 8:.1f}" width="2" height="16" fill="{c["overall"]}"/>',
    ]
    if math.isfinite(peers):
        px = left + (peers - lo) * scale
        parts.append(
            f'<path d="M{px:.1f} {y - 6:.1f} L{px + 6:.1f} {y:.1f} L{px:.1f} {y + 6:.1f} '
            f'L{px - 6:.1f} {y:.1f} Z" fill="{c["peers"]}"/>'
        )
    parts += [
        f'<circle cx="{xt:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="{c["typical"]}" '
        'stroke-width="2"/>',
        f'<circle cx="{xa:.1f}" cy="{y:.1f}" r="6" fill="{c["actual"]}"/>',
        f'<text x="{right + 8:.1f}" y="{y + 4:.1f}" font-size="12" fill="{c["actual"]}">'
        f"{html_text(labels[0])}</text></svg>",
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
    base = score_line_base(
        times, scores, period=period, band=band, threshold=threshold, width=width, height=height
    )
    return base + score_line_mark(times, scores, period=period, mark=mark, width=width,
                                  height=height) + "</svg>"  # fmt: skip


def _geometry(width: int, height: int) -> tuple[float, float, float, float]:
    """Return the plot area of a score line: left, right, top, bottom."""
    return 4.0, width - 4.0, 4.0, height - 4.0


def _xy(
    times: np.ndarray, scores: np.ndarray, period: tuple[int, int], width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates of each window of a score line."""
    left, right, top, bottom = _geometry(width, height)
    t0, t1 = period
    t = np.asarray(times, dtype=np.float64)
    xs = left + (t - t0) / (t1 - t0) * (right - left) if t1 > t0 else np.full(len(t), width / 2)
    ys = bottom - np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0) * (bottom - top)
    return xs, ys


def score_line_base(
    times: np.ndarray,
    scores: np.ndarray,
    *,
    period: tuple[int, int],
    band: tuple[float, float],
    threshold: float,
    width: int = 320,
    height: int = 64,
) -> str:
    """Return :func:`score_line` without its mark and closing tag.

    It is the same for every card of one actor, so it can be drawn once.
    """
    left, right, top, bottom = _geometry(width, height)
    xs, ys = _xy(times, scores, period, width, height)
    low, high = (bottom - min(max(v, 0.0), 1.0) * (bottom - top) for v in band)
    cut = bottom - min(max(threshold, 0.0), 1.0) * (bottom - top)
    c = COLOURS
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs.tolist(), ys.tolist(), strict=True))
    return (
        f'<svg class="score-line" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        'aria-label="score of this actor over the scored period">'
        f'<rect x="{_f(left)}" y="{_f(high)}" width="{_f(right - left)}" '
        f'height="{_f(max(low - high, 1.0))}" fill="{c["band"]}">'
        f"<title>usual scores of this actor: {band[0]:.3f} to {band[1]:.3f}</title></rect>"
        f'<line x1="{_f(left)}" y1="{_f(cut)}" x2="{_f(right)}" y2="{_f(cut)}" '
        f'stroke="{c["threshold"]}" stroke-dasharray="4 3">'
        f"<title>alert threshold {threshold:.4f}</title></line>"
        f'<polyline points="{points}" fill="none" stroke="{c["line"]}" stroke-width="1.5"/>'
    )


def score_line_mark(
    times: np.ndarray,
    scores: np.ndarray,
    *,
    period: tuple[int, int],
    mark: int,
    width: int = 320,
    height: int = 64,
) -> str:
    """Return the red dot of :func:`score_line` at the window starting at ``mark``."""
    hit = np.flatnonzero(np.asarray(times) == mark)
    if not len(hit):
        return ""
    i = int(hit[0])
    left, right, top, bottom = _geometry(width, height)
    t0, t1 = period
    x = left + (mark - t0) / (t1 - t0) * (right - left) if t1 > t0 else width / 2
    y = bottom - min(max(float(scores[i]), 0.0), 1.0) * (bottom - top)
    return (
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4.5" fill="{COLOURS["actual"]}">'
        f"<title>this window: {float(scores[i]):.4f}</title></circle>"
    )
