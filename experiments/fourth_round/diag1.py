"""What leads the top 5% of the large development variants, and the sizes of run1's discounts.

For each development variant with at least 40 actors, the default detector's top 5% of test
windows split into attack, look-alike and other benign windows, each with its rarest feature;
the benign windows led by ``days_since_last_seen`` per variant, with their gaps in days; and
per world the discounts that ``run1`` (q = 0.01, the later third) gives. Writes
``experiments/results/fourth_round/diag1.md``.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
sys.path.insert(0, str(HERE))
import lab  # noqa: E402
import run1  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly._text import markdown_table  # noqa: E402
from pipes_anomaly.evaluation import evaluate  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402

COLS = list(catalog.MODEL_FEATURES)


def main() -> None:
    rows, disc = [], []
    for p in lab.worlds():
        n, fam, ftr, fte, labels, manifest = lab.load(p)
        d = run1.discounts(ftr)
        disc.append({"world": n, "features > 0.3": int((d > 0.3).sum()), "largest": d.max()})
        if fam == "default" or ftr["actor_id"].nunique() < 40:
            continue
        det = AnomalyDetector(random_state=0).fit(ftr[COLS], groups=ftr["actor_id"].to_numpy())
        s = det.anomaly_score(fte[COLS], groups=fte["actor_id"].to_numpy())
        w = evaluate(cw.scores_frame(fte, s, alert_flags(s, det.threshold_, 0.01)), labels).windows
        lead = np.asarray(COLS)[det.surprisal_.transform(fte[COLS].to_numpy(float)).argmax(1)]
        top = w["rank"].to_numpy() <= int(np.ceil(0.05 * len(w)))
        kind = np.where(
            w["is_positive"],
            "attack",
            np.where(w["lookalike"].fillna("") != "", "look-alike", "benign"),
        )
        gap = np.expm1(fte["days_since_last_seen"].to_numpy())
        for i in np.flatnonzero(top):
            rows.append({"world": n, "kind": kind[i], "lead": lead[i], "gap_days": gap[i]})
    top = pd.DataFrame(rows)
    per = top.groupby("kind").size() / top["world"].nunique()
    leads = top.groupby(["lead", "kind"]).size().unstack(fill_value=0)
    leads = leads.sort_values("benign", ascending=False).head(15)
    ds = top[(top["lead"] == "days_since_last_seen") & (top["kind"] == "benign")]
    by_world = ds.groupby("world").agg(
        windows=("gap_days", "size"), median_gap=("gap_days", "median")
    )
    benign = top[top["kind"] == "benign"].groupby("world").size().rename("benign windows in top 5%")
    by_world = by_world.join(benign).sort_values("windows", ascending=False).head(8)
    d = pd.DataFrame(disc)
    lines = [
        "# What leads the top 5% of the large development variants",
        "",
        "Command: `python experiments/fourth_round/diag1.py` (24 development variants with at "
        "least 40 actors; the default detector).",
        "",
        "Windows per variant in the top 5%:",
        "",
        *[f"- {k}: {v:.1f}" for k, v in per.items()],
        "",
        "Rarest feature of the top-5% windows (24 variants), the 15 leading most benign ones:",
        "",
        markdown_table(leads.reset_index()),
        "",
        "Benign windows in the top 5% led by `days_since_last_seen`, by variant (gap in days "
        "since the actor's previous window):",
        "",
        markdown_table(by_world.round(1).reset_index()),
        "",
        "run1's discounts (q = 0.01, the later third of the training days), all 53 worlds: "
        f"features discounted by more than 0.3 per world median {d['features > 0.3'].median():.0f} "
        f"(max {d['features > 0.3'].max()}); the largest discount per world median "
        f"{d['largest'].median():.2f} (max {d['largest'].max():.2f}).",
        "",
    ]
    out = HERE.parent / "results" / "fourth_round" / "diag1.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
