"""Detector variants on the development worlds' cached features (issue 13, second round).

The functions behind the second round's comparisons in docs/decisions.md ("The forest at half
weight", "The week's volume left out of the model"); the ``run*.py`` scripts beside it call
them and wrote ``experiments/results/second_round/run*.csv`` (README.md here says which run
was made at which revision). Features of each world are computed once and cached under
``experiments/work/second_round/``.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import cross_world as cw  # noqa: E402  (experiments/ on the path first)
from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402
from pipes_anomaly.models.calibration import Calibration  # noqa: E402

CACHE = HERE.parent / "work" / "second_round"
CACHE.mkdir(parents=True, exist_ok=True)


def worlds(families=("default", "dev", "devx")):
    out = []
    for fam in families:
        if fam == "default":
            names = [f"default{s}" for s in cw.DEFAULT_SEEDS]
        else:
            import worlds as W

            listed = {"dev": W.DEV, "devx": cw.EXTRA_DEV, "holdout": W.HOLDOUT}[fam]
            names = [f"{a}-{b}" for a, b in listed]
        for n in names:
            p = CACHE / f"{n}.pkl"
            if not p.exists():
                if fam == "default":
                    w = cw.default_world(int(n[7:]), cw.HERE / "work" / "cross_world")
                else:
                    a, b = n.split("-")
                    import worlds as W

                    w = cw.written_world(n, fam, W.world_dir(a, int(b)))
                f = cw.world_features(w)
                with open(p, "wb") as fh:
                    pickle.dump((n, fam, f.train, f.test, w.labels, w.manifest), fh)
                print("cached", n, flush=True)
            out.append(p)
    return out


def load(p):
    with open(p, "rb") as fh:
        return pickle.load(fh)


def ensemble(**params):
    def run(ftr, fte):
        cols = list(catalog.MODEL_FEATURES)
        det = AnomalyDetector(random_state=0, **params)
        det.fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
        s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
        return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)

    return run


#: The world :func:`measure` is at, for variants that read its records (:func:`world_folder`).
_CURRENT = [""]


def current_world():
    """The name of the world :func:`measure` is scoring now."""
    return _CURRENT[0]


def world_folder(name):
    """The folder holding world ``name``'s records (``default<seed>`` or a variant)."""
    work = HERE.parent / "work"
    if name.startswith("default"):
        return work / "cross_world" / name
    return work / "worlds" / name


def measure(variants, families=("default", "dev", "devx")):
    rows = []
    for p in worlds(families):
        n, fam, ftr, fte, labels, manifest = load(p)
        _CURRENT[0] = n
        nact = ftr["actor_id"].nunique()
        for name, fn in variants.items():
            s, a = fn(ftr, fte)
            m = cw.labelled_metrics(cw.scores_frame(fte, s, a), labels, manifest)
            rows.append(
                {
                    "world": n,
                    "fam": fam,
                    "size": "default" if fam == "default" else ("large" if nact >= 40 else "small"),
                    "variant": name,
                    **m,
                }
            )
    return pd.DataFrame(rows)


def write(df, folder, run):
    """Write a run's measures to ``experiments/results/<folder>/<run>.csv`` and print them."""
    out = HERE.parent / "results" / folder
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{run}.csv", index=False)
    report(df)


def report(df):
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    cols = [
        "pr_auc",
        "recall@5%",
        "kinds_below_half@5%",
        "lookalike_alerts@5%",
        "lookalike_alerts_flag",
        "alert_rate",
        "incidents@5%[plain]",
        "incidents@5%[subtle]",
        "incidents@5%[persistent]",
    ]
    print(df.groupby(["size", "variant"])[cols].mean().round(3))
    kinds = [c for c in df.columns if c.startswith("kind@5%")]
    big = df[df["size"] == "large"]
    print(big.groupby("variant")[kinds].mean().T.round(2))


# ---------------------------------------------------------------- parts-level variants


def parts_of(det, X):
    scaled = det.surprisal_.transform(X)
    out = []
    raw = -det.iforest_[-1].score_samples(scaled)
    out.append(det._cal_if.surprisal(raw))
    raw = det._raw_lof(scaled)
    out.append(det._cal_lof.surprisal(raw))
    raw = scaled.max(axis=1)
    out.append(det._cal_rare.surprisal(raw))
    return np.column_stack(out), scaled


def actor_offsets(values, groups, weight=0.5, k=5.0):
    fr = pd.DataFrame({"a": groups, "v": values})
    st = fr.groupby("a")["v"].agg(["median", "size"])
    c = float(np.median(values))
    sh = (st["median"] * st["size"] + k * c) / (st["size"] + k)
    return (weight * (sh - c)).to_dict()


def finish(comb_tr, comb_te, g_tr, g_te, weight=0.5):
    off = actor_offsets(comb_tr, g_tr, weight)
    ctr = comb_tr - np.array([off.get(a, 0.0) for a in g_tr])
    cte = comb_te - np.array([off.get(a, 0.0) for a in g_te])
    cal = Calibration.fit(ctr)
    s_tr = cal(ctr)
    s = cal(cte)
    from pipes_anomaly.models.calibration import resolve_threshold

    thr = resolve_threshold(s_tr, alert_rate=cw.ASKED_RATE)
    return s, alert_flags(s, thr, cw.ASKED_RATE)


_FIT = {}


def fitted(ftr, fte):
    key = id(ftr)
    if key not in _FIT:
        _FIT.clear()
        cols = list(catalog.MODEL_FEATURES)
        det = AnomalyDetector(random_state=0, actor_weight=0.0).fit(
            ftr[cols], groups=ftr["actor_id"].to_numpy()
        )
        ptr, str_ = parts_of(det, ftr[cols].to_numpy(float))
        pte, ste = parts_of(det, fte[cols].to_numpy(float))
        _FIT[key] = (det, ptr, pte, str_, ste)
    return _FIT[key]


def parts_variant(combine, weight=0.5):
    def run(ftr, fte):
        det, ptr, pte, str_, ste = fitted(ftr, fte)
        ctr, cte = combine(det, ptr, pte, ftr, fte)
        return finish(ctr, cte, ftr["actor_id"].to_numpy(), fte["actor_id"].to_numpy(), weight)

    return run


def mean_parts(det, ptr, pte, ftr, fte):
    return ptr.mean(1), pte.mean(1)


def actor_conditional_surprisal(det, ftr, fte, k=5.0):
    cols = list(catalog.MODEL_FEATURES)
    Xtr = ftr[cols].to_numpy(float)
    Xte = fte[cols].to_numpy(float)
    gtr = det.surprisal_.share_at_least(Xtr)
    gte = det.surprisal_.share_at_least(Xte)
    atr = ftr["actor_id"].to_numpy()
    ate = fte["actor_id"].to_numpy()
    Str = np.empty_like(Xtr)
    Ste = np.empty_like(Xte)
    idx_tr = pd.Series(np.arange(len(atr))).groupby(atr).indices
    idx_te = pd.Series(np.arange(len(ate))).groupby(ate).indices
    for a in set(idx_tr) | set(idx_te):
        rtr = idx_tr.get(a, np.array([], int))
        rte = idx_te.get(a, np.array([], int))
        if len(rtr):
            srt = np.sort(Xtr[rtr], axis=0)
            na = len(rtr)
            for j in range(Xtr.shape[1]):
                c = na - np.searchsorted(srt[:, j], Xtr[rtr, j], side="left") - 1  # leave one out
                Str[rtr, j] = (c + k * gtr[rtr, j]) / (na - 1 + k)
                if len(rte):
                    c = na - np.searchsorted(srt[:, j], Xte[rte, j], side="left")
                    Ste[rte, j] = (c + k * gte[rte, j]) / (na + k)
        elif len(rte):
            Ste[rte] = gte[rte]
    return -np.log(Str), -np.log(Ste)


def cond_rarest(mode="replace", k=5.0):
    def combine(det, ptr, pte, ftr, fte):
        Str, Ste = actor_conditional_surprisal(det, ftr, fte, k)
        rtr, rte = Str.max(1), Ste.max(1)
        cal = Calibration.fit(rtr)
        qtr, qte = cal.surprisal(rtr), cal.surprisal(rte)
        if mode == "replace":
            return np.column_stack([ptr[:, :2], qtr]).mean(1), np.column_stack(
                [pte[:, :2], qte]
            ).mean(1)
        return np.column_stack([ptr, qtr]).mean(1), np.column_stack([pte, qte]).mean(1)

    return combine


def carry(lam=0.5, days=2):
    """Add lam * the actor's highest excess over the previous `days` windows (train+test order)."""

    def combine(det, ptr, pte, ftr, fte):
        ctr, cte = ptr.mean(1), pte.mean(1)
        med = np.median(ctr)
        fr = pd.concat(
            [
                pd.DataFrame(
                    {
                        "a": ftr["actor_id"].to_numpy(),
                        "t": ftr["window_start"].to_numpy(),
                        "v": ctr,
                        "te": False,
                    }
                ),
                pd.DataFrame(
                    {
                        "a": fte["actor_id"].to_numpy(),
                        "t": fte["window_start"].to_numpy(),
                        "v": cte,
                        "te": True,
                    }
                ),
            ],
            ignore_index=True,
        )
        fr["ex"] = np.maximum(fr["v"] - med, 0)
        fr = fr.sort_values(["a", "t"], kind="stable")
        prev = (
            fr.groupby("a")["ex"]
            .transform(lambda s: s.shift(1).rolling(days, min_periods=1).max())
            .fillna(0)
        )
        fr["v2"] = fr["v"] + lam * prev
        fr = fr.sort_index()
        return fr.loc[~fr.te, "v2"].to_numpy(), fr.loc[fr.te, "v2"].to_numpy()

    return combine


def weighted(w):
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        return ptr @ w, pte @ w

    return combine


def rarest_without(drop, w=(0.5, 1, 1)):
    cols = list(catalog.MODEL_FEATURES)
    keep = np.array([c not in drop for c in cols])
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = _FIT[id(ftr)]
        rtr, rte = str_[:, keep].max(1), ste[:, keep].max(1)
        cal = Calibration.fit(rtr)
        Ptr = np.column_stack([ptr[:, :2], cal.surprisal(rtr)])
        Pte = np.column_stack([pte[:, :2], cal.surprisal(rte)])
        return Ptr @ w, Pte @ w

    return combine


def top_features(ftr, fte, s, k=0.05):
    """Which feature is the rarest (argmax surprisal) in the top-k windows."""
    det, ptr, pte, str_, ste = _FIT[id(ftr)]
    cols = np.array(catalog.MODEL_FEATURES)
    return cols[ste.argmax(1)]


def fit_score(ftr, fte, cols, shares=None, **params):
    """The default detector fitted on ``ftr[cols]``: scores and flags of ``fte``.

    With a list ``shares``, also append the test windows' share above the threshold before
    the budget's cap (``above``) and beyond the most anomalous training window (``beyond``);
    :func:`with_shares` puts them beside :func:`measure`'s rows."""
    params = {"random_state": 0, **params}
    det = AnomalyDetector(**params).fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
    s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
    if shares is not None:
        shares.append(
            {
                "above": float(np.mean(s > det.threshold_)),
                "beyond": float(np.mean(s > det.training_scores_.max())),
            }
        )
    return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)


def with_shares(df, shares):
    """:func:`measure`'s rows with the shares :func:`fit_score` appended, in the same order."""
    return df.assign(above=[r["above"] for r in shares], beyond=[r["beyond"] for r in shares])


def ensemble_cols(drop, **params):
    def run(ftr, fte):
        return fit_score(ftr, fte, [c for c in catalog.MODEL_FEATURES if c not in drop], **params)

    return run


def add_self_z(ftr, fte, cols):
    """Proxy of X_vs_self for extra columns: robust z against the actor's earlier windows
    (median, std floored at 0.5, clipped +-10; 0 without earlier windows)."""
    a = pd.concat([ftr.assign(_te=False), fte.assign(_te=True)], ignore_index=True)
    a = a.sort_values(["actor_id", "window_start"], kind="stable")
    g = a.groupby("actor_id", sort=False)
    for c in cols:
        prev = g[c].shift(1)
        med = prev.groupby(a["actor_id"]).expanding().median().reset_index(level=0, drop=True)
        std = prev.groupby(a["actor_id"]).expanding().std(ddof=0).reset_index(level=0, drop=True)
        z = (a[c] - med) / np.maximum(std.fillna(0.0), 0.5)
        a[c.removeprefix("log_") + "_vs_self"] = np.clip(z.fillna(0.0), -10, 10)
    a = a.sort_index()
    return a[~a._te].drop(columns="_te").reset_index(drop=True), a[a._te].drop(
        columns="_te"
    ).reset_index(drop=True)


def ensemble_extra(extra_cols, **params):
    def run(ftr, fte):
        tr, te = add_self_z(ftr, fte, extra_cols)
        cols = list(catalog.MODEL_FEATURES) + [
            c.removeprefix("log_") + "_vs_self" for c in extra_cols
        ]
        det = AnomalyDetector(random_state=0, **params)
        det.fit(tr[cols], groups=tr["actor_id"].to_numpy())
        s = det.anomaly_score(te[cols], groups=te["actor_id"].to_numpy())
        return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)

    return run
