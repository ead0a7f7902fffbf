"""The actor's own half judged by its spread too: (value - actor median) / actor spread,
each shrunk to all windows' with 5 pseudo-windows (parts level)."""

import lab3
import numpy as np
import pandas as pd
from lab3 import cw, lab

from pipes_anomaly.models import alert_flags
from pipes_anomaly.models.calibration import Calibration, resolve_threshold


def scaled_finish(ctr, cte, g_tr, g_te, k=5.0, q=(0.25, 0.75), floor=0.25):
    c_med = float(np.median(ctr))
    c_iqr = float(np.subtract(*np.quantile(ctr, q[::-1])))
    fr = pd.DataFrame({"a": g_tr, "v": ctr})
    st = fr.groupby("a")["v"].agg(
        med="median",
        size="size",
        iqr=lambda s: float(np.subtract(*np.quantile(s, q[::-1]))) if len(s) > 1 else c_iqr,
    )
    med = (st["med"] * st["size"] + k * c_med) / (st["size"] + k)
    iqr = (st["iqr"] * st["size"] + k * c_iqr) / (st["size"] + k)
    iqr = np.maximum(iqr, floor * c_iqr)

    def value(c, g):
        m = pd.Series(g).map(med).fillna(c_med).to_numpy()
        s = pd.Series(g).map(iqr).fillna(c_iqr).to_numpy()
        own = c_med + (c - m) * (c_iqr / s)
        return 0.5 * c + 0.5 * own

    vtr, vte = value(ctr, g_tr), value(cte, g_te)
    cal = Calibration.fit(vtr)
    thr = resolve_threshold(cal(vtr), alert_rate=cw.ASKED_RATE)
    s = cal(vte)
    return s, alert_flags(s, thr, cw.ASKED_RATE)


def variant(**kw):
    comb = lab.weighted((0.5, 1, 1))

    def run(ftr, fte):
        det, ptr, pte, str_, ste = lab.fitted(ftr, fte)
        ctr, cte = comb(det, ptr, pte, ftr, fte)
        return scaled_finish(ctr, cte, ftr["actor_id"].to_numpy(), fte["actor_id"].to_numpy(), **kw)

    return run


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "self-scaled": variant(),
    "self-scaled-floor0.5": variant(floor=0.5),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run6.csv"), index=False)
lab.report(df)
