import lab
import numpy as np
import pandas as pd

from pipes_anomaly.evaluation import evaluate

rows = []
for p in lab.worlds(("dev", "devx")):
    n, fam, ftr, fte, labels, man = lab.load(p)
    if ftr["actor_id"].nunique() < 40:
        continue
    s, a = lab.parts_variant(lab.weighted((0.5, 1, 1)))(ftr, fte)
    res = evaluate(lab.cw.scores_frame(fte, s, a), labels)
    w = res.windows
    top = lab.top_features(ftr, fte, s)
    cut = np.quantile(s, 0.95)
    fr = pd.DataFrame(
        {"top": top, "s": s, "pos": w["is_positive"].to_numpy() if "is_positive" in w else None}
    )
    print(w.columns.tolist()) if not rows else None
    fr["label"] = (
        w.get("scenario", w.get("kind", "")).to_numpy() if ("scenario" in w or "kind" in w) else ""
    )
    fr["look"] = w["lookalike"].to_numpy() if "lookalike" in w else ""
    rows.append(fr[fr.s >= cut].assign(world=n))
d = pd.concat(rows)
pd.set_option("display.width", 250)
pd.set_option("display.max_rows", 100)
d["cls"] = np.where(
    d.pos, "attack", np.where(d.look.astype(str).str.len() > 0, "lookalike", "benign")
)
print(pd.crosstab(d.top, d.cls).sort_values("lookalike", ascending=False))
