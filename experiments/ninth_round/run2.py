"""Training windows scored as new ones (leave-one-out), a prototype (not in the package).

A training window's surprisal is read against a reference that includes itself, a new window's
against one that does not, so a training window with a unique extreme value looks less rare
than a new window with the same value would. Here each training window's surprisal is taken
against the other training windows (share ``m / n`` instead of ``(m + 1) / (n + 1)``, and the
extension beyond the top from the second-largest value), for the rarest part's calibration
(``rare``), the forest's training scores (``if``), the LOF's (``lof``) and the rows the forest
and LOF are fitted on (``fit``). ``loo_none`` is the shipped detector written again (a check:
it must equal ``shipped``). On the 53 development worlds (eighth round run3's cached features).
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "second_round"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lab
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

import cross_world as cw
from pipes_anomaly import catalog
from pipes_anomaly.models import AnomalyDetector, alert_flags
from pipes_anomaly.models.calibration import Calibration, resolve_threshold

HERE = Path(__file__).resolve().parent
lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
cols = list(catalog.MODEL_FEATURES)


def loo_surprisal(sur, X):
    """Each training row's surprisal against the other training rows."""
    S = sur.sorted_
    n = S.shape[0]
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        m = n - np.searchsorted(S[:, j], X[:, j], side="left")  # >= x, itself included
        out[:, j] = -np.log(m / n)
        second = S[-2, j] if n > 1 else S[-1, j]
        top = (X[:, j] >= S[-1, j]) & (S[-1, j] > second)
        ext = np.zeros(X.shape[0])
        ext[top] = np.log1p((X[top, j] - second) / sur.spread_[j])
        out[:, j] += ext
    return out


class LOO(AnomalyDetector):
    loo_parts = ("rare",)

    def fit(self, X, y=None, groups=None):
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64)
        groups = self._check_groups(groups, X.shape[0])
        rng = check_random_state(self.random_state)
        from pipes_anomaly.models.surprisal import TailSurprisal

        self.surprisal_ = TailSurprisal().fit(X)
        self.n_unique_ = int(np.unique(X, axis=0).shape[0])
        self.n_neighbors_ = 0
        scaled = self.surprisal_.transform(X)
        loo = loo_surprisal(self.surprisal_, X)
        parts = []
        fitX = loo if "fit" in self.loo_parts else scaled
        forest = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            n_jobs=self.n_jobs,
            random_state=int(rng.randint(np.iinfo(np.int32).max)),
        )
        forest.fit(fitX)
        self.iforest_ = Pipeline([("surprisal", self.surprisal_), ("iforest", forest)])
        raw_if = -forest.score_samples(loo if "if" in self.loo_parts else scaled)
        self._cal_if = Calibration.fit(raw_if)
        parts.append(self._cal_if.surprisal(raw_if))
        raw_lof = self._fit_lof(fitX, rng)
        if "lof" in self.loo_parts:
            raw_lof = self._raw_lof(loo)
        self._cal_lof = Calibration.fit(raw_lof)
        parts.append(self._cal_lof.surprisal(raw_lof))
        raw_rare = (loo if "rare" in self.loo_parts else scaled).max(axis=1)
        self._cal_rare = Calibration.fit(raw_rare)
        parts.append(self._cal_rare.surprisal(raw_rare))
        combined = self._combine(parts)
        self.actor_offsets_ = self._fit_actor_offsets(combined, groups)
        combined = combined - self._actor_offset(groups, combined.shape[0])
        self._cal_final = Calibration.fit(combined)
        self.training_scores_ = self._cal_final(combined)
        self.threshold_ = resolve_threshold(self.training_scores_, alert_rate=self.alert_rate)
        self.offset_ = -self.threshold_
        return self


def variant(parts):
    def run(ftr, fte):
        det = LOO(random_state=0)
        det.loo_parts = parts
        det.fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
        s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
        return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)

    return run


if __name__ == "__main__":
    V = {
        "shipped": lab.ensemble_cols([]),
        "loo_none": variant(()),
        "loo_rare": variant(("rare",)),
        "loo_rare_if": variant(("rare", "if")),
        "loo_all": variant(("rare", "if", "lof")),
        "loo_all_fit": variant(("rare", "if", "lof", "fit")),
    }
    lab.write(lab.measure(V), "ninth_round", "run2")
