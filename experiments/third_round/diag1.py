"""Per attack kind: recall in the top 5% by each single feature's surprisal (oracle choice of
feature per kind) against the ensemble, on the large development variants."""

import lab3
import numpy as np
import pandas as pd
from lab3 import catalog, cw, lab

from pipes_anomaly.models import AnomalyDetector

rows = []
rng = np.random.default_rng(0)
for p in lab.worlds(("dev", "devx")):
    n, fam, ftr, fte, labels, manifest = lab.load(p)
    if ftr["actor_id"].nunique() < 40:
        continue
    cols = list(catalog.MODEL_FEATURES)
    det = AnomalyDetector(random_state=0).fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
    S = det.surprisal_.transform(fte[cols].to_numpy(float))
    cands = {"ensemble": det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())}
    for j, c in enumerate(cols):
        cands[c] = S[:, j] + 1e-6 * rng.random(len(S))
    for name, s in cands.items():
        m = cw.labelled_metrics(cw.scores_frame(fte, s, np.zeros(len(s), bool)), labels, manifest)
        rows.append(
            {
                "world": n,
                "feature": name,
                **{
                    k: v
                    for k, v in m.items()
                    if k.startswith("kind@5%") or k.startswith("lookalike_alerts@5%")
                },
            }
        )
    print(n, flush=True)
df = pd.DataFrame(rows)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "diag1.csv"), index=False)
g = df.groupby("feature").mean(numeric_only=True)
kinds = [c for c in g.columns if c.startswith("kind@5%")]
out = pd.DataFrame(
    {
        "ensemble": g.loc["ensemble", kinds],
        "best": g[kinds].drop(index="ensemble").max(),
        "best_feature": g[kinds].drop(index="ensemble").idxmax(),
    }
)
pd.set_option("display.width", 200)
print(out)
