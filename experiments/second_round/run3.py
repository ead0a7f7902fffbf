import lab
import pandas as pd

from pipes_anomaly.evaluation import evaluate

rows = []
inc = []
for p in lab.worlds(("dev", "devx")):
    n, fam, ftr, fte, labels, man = lab.load(p)
    if ftr["actor_id"].nunique() < 40:
        continue
    s, a = lab.parts_variant(lab.mean_parts)(ftr, fte)
    res = evaluate(lab.cw.scores_frame(fte, s, a), labels)
    lk = res.lookalikes.assign(world=n)
    rows.append(lk)
    form = {i["incident_id"]: i.get("form", "plain") for i in man.get("incidents", [])}
    inc.append(res.incidents.assign(world=n, form=res.incidents["incident_id"].map(form)))
lk = pd.concat(rows)
inc = pd.concat(inc)
pd.set_option("display.width", 250)
print(lk.columns.tolist())
print(inc.columns.tolist())
print(lk.groupby("kind")[["windows", "alerts@5%", "alerts_flag"]].sum().sort_values("alerts@5%"))
print(inc.groupby(["scenario", "form"])["caught@5%"].agg(["mean", "size"]).unstack().round(2))
