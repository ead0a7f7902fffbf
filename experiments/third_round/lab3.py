"""Third round of issue 13: a second time scale (hour windows) beside the day windows.

Development worlds only (default seeds 0-4, development variants 0-47). Hour-window features
of each world are computed once and cached under ``experiments/work/third_round/``; day
features come from the second round's cache (``second_round/lab.py``).
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog, features  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402
from pipes_anomaly.models.calibration import Calibration, resolve_threshold  # noqa: E402

CACHE = HERE.parent / "work" / "third_round"
CACHE.mkdir(parents=True, exist_ok=True)


def with_rarest(ptr, pte, rtr, rte, w=(0.5, 1, 1)):
    """The forest and LOF parts with another rarest part (raw values, calibrated here)."""
    cal = Calibration.fit(rtr)
    w = np.asarray(w, float) / np.sum(w)
    Ptr = np.column_stack([ptr[:, :2], cal.surprisal(rtr)])
    Pte = np.column_stack([pte[:, :2], cal.surprisal(rte)])
    return Ptr @ w, Pte @ w


def events_of(name, fam):
    if fam == "default":
        w = cw.default_world(int(name[7:]), cw.HERE / "work" / "cross_world")
        return w.train, w.test
    import worlds as W

    a, b = name.split("-")
    folder = W.world_dir(a, int(b))
    return cw._read(folder / "train.jsonl"), cw._read(folder / "test.jsonl")


def hourly(name, fam, window="1h"):
    p = CACHE / f"{name}_{window}.pkl"
    if p.exists():
        with open(p, "rb") as fh:
            return pickle.load(fh)
    tr, te = events_of(name, fam)
    ftr, prof = features.build_features_and_profile(tr, window=window)
    fte = features.build_features(te, window=window, profile=prof)
    keep = ["actor_id", "window_start", *catalog.FEATURE_COLUMNS]
    out = (ftr[keep], fte[keep])
    with open(p, "wb") as fh:
        pickle.dump(out, fh)
    print("cached", name, window, flush=True)
    return out


def day_of(frame):
    return frame["window_start"].dt.floor("D")


def max_per_day(frame, score):
    fr = pd.DataFrame(
        {"a": frame["actor_id"].to_numpy(), "d": day_of(frame).to_numpy(), "s": score}
    )
    return fr.groupby(["a", "d"], sort=False)["s"].max()


def hour_part(htr, hte, cols=None, **params):
    """Per actor-day: the best hour's score, calibrated against the training days' best hours
    (log-tail scale); returns (train series, test series) indexed by (actor, day)."""
    cols = cols or list(catalog.MODEL_FEATURES)
    det = AnomalyDetector(random_state=0, **params)
    det.fit(htr[cols], groups=htr["actor_id"].to_numpy())
    s_tr = det.training_scores_
    s_te = det.anomaly_score(hte[cols], groups=hte["actor_id"].to_numpy())
    m_tr, m_te = max_per_day(htr, s_tr), max_per_day(hte, s_te)
    cal = Calibration.fit(m_tr.to_numpy())
    return (
        pd.Series(cal.surprisal(m_tr.to_numpy()), index=m_tr.index),
        pd.Series(cal.surprisal(m_te.to_numpy()), index=m_te.index),
    )


def day_part(ftr, fte, **params):
    cols = list(catalog.MODEL_FEATURES)
    det = AnomalyDetector(random_state=0, **params)
    det.fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
    s_tr = det.training_scores_
    s_te = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
    f = lambda s: -np.log(np.clip(1 - s, 1e-12, None))  # noqa: E731
    return f(s_tr), f(s_te), s_te, det


def align(ffr, series):
    key = pd.MultiIndex.from_arrays([ffr["actor_id"].to_numpy(), day_of(ffr).to_numpy()])
    return series.reindex(key).fillna(0.0).to_numpy()


def measure(variants, families=("default", "dev", "devx")):
    rows = []
    for p in lab.worlds(families):
        n, fam, ftr, fte, labels, manifest = lab.load(p)
        htr, hte = hourly(n, fam)
        nact = ftr["actor_id"].nunique()
        for name, fn in variants.items():
            s, a = fn(ftr, fte, htr, hte)
            m = cw.labelled_metrics(cw.scores_frame(fte, s, a), labels, manifest)
            size = "default" if fam == "default" else ("large" if nact >= 40 else "small")
            rows.append({"world": n, "fam": fam, "size": size, "variant": name, **m})
        print(n, flush=True)
    return pd.DataFrame(rows)


_H = {}


def combo(w_hour, **hparams):
    def run(ftr, fte, htr, hte):
        d_tr, d_te, s_te, det = day_part(ftr, fte)
        if w_hour == 0:
            return s_te, alert_flags(s_te, det.threshold_, cw.ASKED_RATE)
        key = (id(htr), tuple(sorted(hparams.items())))
        if key not in _H:
            _H.clear()
            _H[key] = hour_part(htr, hte, **hparams)
        h_tr, h_te = _H[key]
        c_tr = d_tr + w_hour * align(ftr, h_tr)
        c_te = d_te + w_hour * align(fte, h_te)
        cal = Calibration.fit(c_tr)
        thr = resolve_threshold(cal(c_tr), alert_rate=cw.ASKED_RATE)
        s = cal(c_te)
        return s, alert_flags(s, thr, cw.ASKED_RATE)

    return run
