"""People and automation judged apart: one detector on the windows of actors whose records
mostly carry a process id (automation), one on the rest, each window scored by its kind's
(the kind of an actor from its training windows; too few windows of a kind: one detector)."""

import pickle

import lab3
import pandas as pd
from lab3 import cw, lab

from pipes_anomaly import catalog
from pipes_anomaly.models import AnomalyDetector, alert_flags

MIN_WINDOWS = 200


def process_share(name, fam):
    p = lab3.CACHE / f"{name}_process.pkl"
    if p.exists():
        with open(p, "rb") as fh:
            return pickle.load(fh)
    tr, _ = lab3.events_of(name, fam)
    has = tr["process_id"].fillna("").astype(str).str.len().to_numpy() > 0
    share = pd.Series(has.astype(float)).groupby(tr["actor_id"].to_numpy()).mean()
    with open(p, "wb") as fh:
        pickle.dump(share, fh)
    return share


def fit_score(tr, te, cols):
    det = AnomalyDetector(random_state=0).fit(tr[cols], groups=tr["actor_id"].to_numpy())
    s = det.anomaly_score(te[cols], groups=te["actor_id"].to_numpy())
    return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)


def measure():
    rows = []
    cols = list(catalog.MODEL_FEATURES)
    for p in lab.worlds(("default", "dev", "devx")):
        n, fam, ftr, fte, labels, manifest = lab.load(p)
        bots = set(process_share(n, fam).loc[lambda s: s > 0.5].index)
        nact = ftr["actor_id"].nunique()
        size = "default" if fam == "default" else ("large" if nact >= 40 else "small")
        s0, a0 = fit_score(ftr, fte, cols)
        btr, bte = ftr["actor_id"].isin(bots).to_numpy(), fte["actor_id"].isin(bots).to_numpy()
        s1, a1 = s0.copy(), a0.copy()
        for mtr, mte in ((btr, bte), (~btr, ~bte)):
            if mtr.sum() >= MIN_WINDOWS and (~mtr).sum() >= MIN_WINDOWS and mte.any():
                s, a = fit_score(ftr[mtr], fte[mte], cols)
                s1[mte], a1[mte] = s, a
        for variant, s, a in (("base", s0, a0), ("by-kind", s1, a1)):
            m = cw.labelled_metrics(cw.scores_frame(fte, s, a), labels, manifest)
            rows.append({"world": n, "fam": fam, "size": size, "variant": variant, **m})
        print(n, len(bots), flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    df = measure()
    df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run10.csv"), index=False)
    lab.report(df)
