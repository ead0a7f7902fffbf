"""A sparse novelty feature: org-management or billing action types the actor never used
before (``log_new_sensitive``), added to the model features (prototype on the cached tables;
record flags from ``features.event_flags``)."""

import pickle

import lab3
import numpy as np
import pandas as pd
from lab3 import cw, lab

from pipes_anomaly import catalog, features
from pipes_anomaly.models import AnomalyDetector, alert_flags

NAME = "log_new_sensitive"
CACHE = lab3.CACHE


def sensitive_counts(name, fam):
    p = CACHE / f"{name}_sensitive.pkl"
    if p.exists():
        with open(p, "rb") as fh:
            return pickle.load(fh)
    tr, te = lab3.events_of(name, fam)
    _, prof = features.build_features_and_profile(tr)
    out = []
    for ev, prof_ in ((tr, None), (te, prof)):
        fl = features.event_flags(ev, profile=prof_)
        hit = fl["is_new_action"].to_numpy() & (
            fl["is_org_management"].to_numpy() | fl["is_billing"].to_numpy()
        )
        day = ev["created_at"].dt.floor("D")
        s = pd.Series(hit.astype(float)).groupby([ev["actor_id"].to_numpy(), day.to_numpy()]).sum()
        out.append(s)
    with open(p, "wb") as fh:
        pickle.dump(out, fh)
    return out


def with_feature(ftr, fte, s_tr, s_te):
    def add(f, s):
        key = pd.MultiIndex.from_arrays([f["actor_id"].to_numpy(), f["window_start"].to_numpy()])
        f = f.copy()
        f[NAME] = np.log1p(s.reindex(key).fillna(0.0).to_numpy())
        return f

    return add(ftr, s_tr), add(fte, s_te)


def measure():
    rows = []
    for p in lab.worlds(("default", "dev", "devx")):
        n, fam, ftr, fte, labels, manifest = lab.load(p)
        s_tr, s_te = sensitive_counts(n, fam)
        tr, te = with_feature(ftr, fte, s_tr, s_te)
        nact = ftr["actor_id"].nunique()
        size = "default" if fam == "default" else ("large" if nact >= 40 else "small")
        for variant, cols in (
            ("base", list(catalog.MODEL_FEATURES)),
            ("+new_sensitive", [*catalog.MODEL_FEATURES, NAME]),
        ):
            det = AnomalyDetector(random_state=0).fit(tr[cols], groups=tr["actor_id"].to_numpy())
            s = det.anomaly_score(te[cols], groups=te["actor_id"].to_numpy())
            a = alert_flags(s, det.threshold_, cw.ASKED_RATE)
            m = cw.labelled_metrics(cw.scores_frame(te, s, a), labels, manifest)
            rows.append({"world": n, "fam": fam, "size": size, "variant": variant, **m})
        print(n, flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    df = measure()
    df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run8.csv"), index=False)
    lab.report(df)
