"""A sustained part: each window also judged by the least unusual of the actor's last L
active windows (L = 2, 3), so that an actor moderately unusual on several days in a row
ranks, with no echo of one unusual day into the next (the minimum includes the window
itself). On the development worlds' cached features (``experiments/work/sixth_round/
gate0.5-20``, the shipped features of 0.7.0)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402
from pipes_anomaly.models.calibration import Calibration, resolve_threshold  # noqa: E402

lab.CACHE = HERE.parent / "work" / "sixth_round" / "gate0.5-20"


def combined(det, X, groups):
    """The detector's combined value after the actor offset (before the final calibration)."""
    parts, _ = lab.parts_of(det, X)
    return det._combine(list(parts.T)) - det._actor_offset(groups, X.shape[0])


def run_min(lengths=(2, 3), weight=1.0, mode="max"):
    def run(ftr, fte):
        cols = list(catalog.MODEL_FEATURES)
        gtr, gte = ftr["actor_id"].to_numpy(), fte["actor_id"].to_numpy()
        det = AnomalyDetector(random_state=0).fit(ftr[cols], groups=gtr)
        ctr = combined(det, ftr[cols].to_numpy(float), gtr)
        cte = combined(det, fte[cols].to_numpy(float), gte)
        fr = pd.DataFrame(
            {
                "a": np.r_[gtr, gte],
                "t": np.r_[ftr["window_start"].to_numpy(), fte["window_start"].to_numpy()],
                "v": np.r_[ctr, cte],
                "te": np.r_[np.zeros(len(ctr), bool), np.ones(len(cte), bool)],
            }
        )
        order = fr.sort_values(["a", "t"], kind="stable").index
        s = fr.loc[order]
        g = s.groupby("a", sort=False)["v"]
        surprisals_tr, surprisals_te = [], []
        for L in lengths:
            m = g.transform(lambda x, L=L: x.rolling(L, min_periods=L).min())
            m = m.reindex(fr.index)
            floor = np.nanmin(m.to_numpy()[~fr["te"].to_numpy()]) if m.notna().any() else 0.0
            m = m.fillna(floor).to_numpy()
            cal = Calibration.fit(m[~fr["te"].to_numpy()])
            sm = cal.surprisal(m)
            surprisals_tr.append(sm[~fr["te"].to_numpy()])
            surprisals_te.append(sm[fr["te"].to_numpy()])
        cal0 = Calibration.fit(ctr)
        base_tr, base_te = cal0.surprisal(ctr), cal0.surprisal(cte)
        sus_tr = np.max(surprisals_tr, axis=0)
        sus_te = np.max(surprisals_te, axis=0)
        if mode == "max":
            ftr_v = np.maximum(base_tr, weight * sus_tr)
            fte_v = np.maximum(base_te, weight * sus_te)
        else:
            ftr_v = base_tr + weight * sus_tr
            fte_v = base_te + weight * sus_te
        cal = Calibration.fit(ftr_v)
        s_tr, s_te = cal(ftr_v), cal(fte_v)
        thr = resolve_threshold(s_tr, alert_rate=0.01)
        return s_te, alert_flags(s_te, thr, 0.01)

    return run


if __name__ == "__main__":
    variants = {
        "default": lab.ensemble_cols(()),
        "min2-3 max": run_min((2, 3), 1.0, "max"),
        "min2-3 max w0.8": run_min((2, 3), 0.8, "max"),
        "min3 max": run_min((3,), 1.0, "max"),
        "min2-3 sum 0.5": run_min((2, 3), 0.5, "sum"),
    }
    lab.write(lab.measure(variants), "seventh_round", "run1")
