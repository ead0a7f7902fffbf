import unittest
import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from pipes_anomaly import models
from pipes_anomaly.models import (
    ALERT_CAP,
    AnomalyDetector,
    TailSurprisal,
    alert_flags,
    resolve_threshold,
)
from pipes_anomaly.models.calibration import Calibration
from pipes_anomaly.pipeline import severity

COLS = ("f_a", "f_b", "f_c", "f_d")


def _normal(seed: int, n: int = 600, d: int = 4) -> np.ndarray:
    """Normal rows plus many identical 'quiet' rows, as quiet actors produce."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    quiet = np.zeros((n // 2, d))
    return np.vstack([X, quiet])


def _expected_failed(estimator):
    return {
        "check_array_api_input": (
            "IsolationForest and LocalOutlierFactor are NumPy-only; the check needs "
            "SCIPY_ARRAY_API and an array-API estimator"
        )
    }


@parametrize_with_checks(
    [AnomalyDetector(n_estimators=50), AnomalyDetector(algorithm="lof"), TailSurprisal()],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        try:
            check(estimator)
        except unittest.SkipTest as exc:  # the array-API check, listed above: not silent
            pytest.xfail(f"not applicable: {exc}")


@pytest.mark.parametrize("algorithm", models.ALGORITHMS)
def test_injected_rows_score_above_every_normal_row(algorithm, seed):
    X = _normal(seed)
    det = AnomalyDetector(algorithm=algorithm, n_estimators=100, random_state=seed).fit(X)
    rng = np.random.default_rng(seed + 1)
    normal = rng.normal(size=(200, 4))
    injected = np.array([[6.0, 6.0, 6.0, 6.0], [-6.0, 6.0, -6.0, 6.0], [8.0, 0.0, 8.0, 8.0]])
    s_norm = det.anomaly_score(normal)
    s_inj = det.anomaly_score(injected)
    assert s_inj.min() > s_norm.max()
    assert np.all((s_norm >= 0) & (s_norm <= 1)) and np.all((s_inj >= 0) & (s_inj <= 1))
    # sklearn direction inside: lower = more abnormal
    assert det.score_samples(injected).max() < det.score_samples(normal).min()
    assert np.all(det.predict(injected) == -1)


@pytest.mark.parametrize("algorithm", models.ALGORITHMS)
def test_calibration_is_share_of_training_windows_scored_lower(algorithm):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    det = AnomalyDetector(algorithm=algorithm, n_estimators=100).fit(X)
    s = det.training_scores_
    # distinct training values -> the scores are (almost) uniform on [0, 1)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert abs(np.mean(s < q) - q) < 0.02
    # the detectors learnt each training window against the others; scored again, against
    # a reference that holds it, a window keeps its place among them
    again = det.anomaly_score(X)
    assert np.corrcoef(again, s)[0, 1] > 0.99 and np.abs(again - s).max() < 0.1
    fresh = rng.normal(size=(5000, 3))
    for rate in (0.01, 0.05):
        det.set_params(alert_rate=rate).fit(X)
        assert abs(np.mean(det.training_scores_ > det.threshold_) - rate) <= 0.002
        # new data from the same distribution: binomial noise of both samples, 4 sd
        tol = 4 * np.sqrt(rate * (1 - rate)) * (1 / np.sqrt(len(X)) + 1 / np.sqrt(len(fresh)))
        assert abs(np.mean(det.predict(fresh) == -1) - rate) <= tol


def test_new_windows_pass_the_most_anomalous_training_window_about_as_often_as_training_did():
    # windows drawn like the training ones: a share near 1/(n+1) is beyond the most anomalous
    # of n training windows. Read against a reference holding itself, a training window's
    # rarest value looked less rare than a new window's, and new windows crowded the top.
    beyond = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X, fresh = rng.normal(size=(200, 6)), rng.normal(size=(20_000, 6))
        det = AnomalyDetector(n_estimators=100, random_state=seed).fit(X)
        beyond.append(np.mean(det.anomaly_score(fresh) > det.training_scores_.max()))
    assert np.mean(beyond) < 0.01  # 1/201 = 0.005; read against themselves: 0.038


_NORMAL = np.random.default_rng(0).normal(size=(50, 3))
_NORMAL[:5, 2] = 0.0  # ties


@pytest.mark.parametrize(
    "X",
    [
        _NORMAL,
        np.array([[0.0, 1.0], [2.0, 1.0]]),  # two rows: the others' spread is the floor
        np.array([[0.0, 0.0], [1.0, 5.0], [5.0, 5.0]]),  # the top duplicated
        np.c_[[0.0, 1, 1, 1, 1], [0.0, 0, 0, 0, 5], [0.0, 1, 1, 1, 2], np.ones(5)],
        np.c_[[0.0, 0, 0, 0.0004], [-3.0, -2, 7, 1e6]],  # a gap below the floor, a huge top
    ],
    ids=["normal", "two-rows", "top-duplicated", "top-at-median-sparse-constant", "floor-huge"],
)
def test_left_out_surprisal_reads_each_training_row_against_the_others(X):
    t = models.TailSurprisal().fit(X)
    left_out = t.transform_left_out(X)
    assert np.all(left_out >= t.transform(X))
    for i in range(len(X)):
        # as a new window is read by a transform fitted on the others, extension included
        others = models.TailSurprisal().fit(np.delete(X, i, axis=0))
        assert np.allclose(left_out[i], others.transform(X[i : i + 1])[0]), i
    top = int(np.argmax(_NORMAL[:, 1]))
    normal = models.TailSurprisal().fit(_NORMAL)
    assert normal.transform_left_out(_NORMAL)[top, 1] > normal.transform(_NORMAL)[top, 1]


def test_components_and_ensemble_columns():
    X = _normal(0)
    ens = AnomalyDetector(n_estimators=50).fit(X).score_components(X[:10])
    assert list(ens.columns) == ["score", "iforest_score", "lof_score", "rarest_score"]
    assert ens.notna().all().all()
    only_if = AnomalyDetector(algorithm="iforest", n_estimators=50).fit(X).score_components(X)
    assert only_if["lof_score"].isna().all() and only_if["iforest_score"].notna().all()
    # a single part: same ranking as the part's own calibrated score
    assert (
        np.argsort(only_if["score"], kind="stable")
        == np.argsort(only_if["iforest_score"], kind="stable")
    ).all()


def test_calibration_interpolates_between_training_values():
    cal = Calibration.fit(np.array([0.0, 1.0, 1.0, 2.0, 4.0]))
    # a training value keeps its share of training values strictly below it
    assert cal(np.array([0.0, 1.0, 2.0, 4.0])).tolist() == [0.0, 0.2, 0.6, 0.8]
    # between two training values: in between, in the raw order (no tie), never above the
    # share strictly below the value
    s = cal(np.array([2.5, 3.0, 3.5]))
    assert 0.6 < s[0] < s[1] < s[2] < 0.8
    assert s[1] == pytest.approx(0.7)
    assert cal(np.array([-1.0]))[0] == 0.0
    sur = cal.surprisal(np.array([2.0, 3.0, 4.0]))
    assert sur[0] < sur[1] < sur[2] == pytest.approx(np.log(5))


def test_tail_beyond_the_training_maximum_keeps_the_top_values_scale():
    # training values 0..999: the tail's scale is the mean excess of the top 1% (990..999)
    # over the value below them (989), 5.5, not the whole range above the median (499.5)
    cal = Calibration.fit(np.arange(1000.0))
    assert cal.tail_scale_ == pytest.approx(5.5)
    beyond = cal(np.array([999.0, 1010.0, 1100.0]))
    assert beyond[0] == pytest.approx(0.999)
    assert beyond[1] == pytest.approx(1 - np.exp(-11 / 5.5) / 1000)
    assert beyond[0] < beyond[1] < beyond[2] < 1.0
    assert cal.surprisal(np.array([1010.0]))[0] == pytest.approx(np.log(1000) + 2.0)


def test_new_windows_between_training_scores_do_not_tie():
    X = _normal(2)
    det = AnomalyDetector(n_estimators=50).fit(X)
    rng = np.random.default_rng(5)
    s = det.anomaly_score(rng.normal(size=(2000, X.shape[1])))
    # distinct rows, distinct scores (a step calibration gave 467 values for these 2000);
    # only rows below every training window share the score 0
    inside = s[s > 0]
    assert len(inside) > 1900
    assert len(np.unique(inside)) == len(inside)


def test_strong_anomalies_do_not_tie_at_the_top():
    X = _normal(1)
    det = AnomalyDetector(n_estimators=50).fit(X)
    s = det.anomaly_score(np.array([[4.0] * 4, [8.0] * 4, [30.0] * 4]))
    assert s[0] < s[1] < s[2] < 1.0


def test_lof_on_duplicates_is_deduplicated_without_warning():
    rng = np.random.default_rng(0)
    X = np.vstack([np.zeros((500, 3)), rng.normal(size=(40, 3))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        det = AnomalyDetector(algorithm="lof", n_neighbors=20).fit(X)
    assert det.n_unique_ == 41
    assert det.n_neighbors_ == 20
    s = det.anomaly_score(np.vstack([np.zeros((1, 3)), np.full((1, 3), 9.0)]))
    assert np.isfinite(s).all()
    assert s[0] < 0.5 < s[1]  # the quiet row is normal, the far row is not


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((1, 3)),  # one window
        np.ones((50, 3)),  # constant features, all rows identical
        np.c_[np.arange(5.0), np.ones(5), np.zeros(5)],  # fewer rows than n_neighbors
        np.c_[np.random.default_rng(0).normal(size=30), np.ones(30)],  # a constant column
    ],
    ids=["one-row", "constant", "few-rows", "constant-column"],
)
@pytest.mark.parametrize("algorithm", models.ALGORITHMS)
def test_degenerate_input_does_not_crash(X, algorithm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        det = AnomalyDetector(algorithm=algorithm, n_estimators=20).fit(X)
        s = det.score_components(np.vstack([X, X[:1] + 5.0]))
    assert np.isfinite(s["score"]).all()
    assert ((s["score"] >= 0) & (s["score"] <= 1)).all()
    if algorithm != "iforest":
        # the distance-based part still sees a shifted row as unusual
        assert s["score"].iloc[-1] >= s["score"].iloc[:-1].max()


def test_same_seed_same_scores_other_seed_other_forest():
    X = _normal(2)
    a = AnomalyDetector(random_state=7, n_estimators=50).fit(X).anomaly_score(X)
    b = AnomalyDetector(random_state=7, n_estimators=50).fit(X).anomaly_score(X)
    c = AnomalyDetector(random_state=8, n_estimators=50).fit(X).anomaly_score(X)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_invalid_parameters_are_rejected_in_fit():
    X = _normal(0)
    det = AnomalyDetector(algorithm="svm")  # __init__ only stores
    with pytest.raises(ValueError, match="algorithm must be one of ensemble, iforest, lof"):
        det.fit(X)
    with pytest.raises(ValueError, match="alert_rate must be a number in"):
        AnomalyDetector(alert_rate=1.5).fit(X)
    with pytest.raises(ValueError, match="n_neighbors must be an integer"):
        AnomalyDetector(n_neighbors=0).fit(X)
    for bad in (-0.5, np.inf, np.nan):
        with pytest.raises(ValueError, match="forest_weight must be a finite number >= 0"):
            AnomalyDetector(forest_weight=bad).fit(X)
    with pytest.raises(ValueError, match="actor_weight must be a finite number >= 0"):
        AnomalyDetector(actor_weight=np.inf).fit(X)


def test_forest_weight_sets_the_forest_s_share_of_the_ensemble():
    X, rows = _normal(0), _normal(1)[:50]

    def scores(**params):
        return AnomalyDetector(random_state=0, **params).fit(X).anomaly_score(rows)

    # weight 0: the forest's trees do not matter; any other weight: they do
    assert np.array_equal(
        scores(forest_weight=0.0, n_estimators=20), scores(forest_weight=0.0, n_estimators=60)
    )
    assert not np.array_equal(
        scores(forest_weight=0.5, n_estimators=20), scores(forest_weight=0.5, n_estimators=60)
    )
    # the single-detector choices have nothing to weigh
    assert np.array_equal(
        scores(algorithm="iforest", forest_weight=0.0), scores(algorithm="iforest")
    )


def test_resolve_threshold_and_severity():
    train = np.linspace(0, 1, 1001)
    assert resolve_threshold(train, alert_rate=0.01) == pytest.approx(0.99)
    assert resolve_threshold(train, threshold=0.5) == 0.5
    with pytest.raises(ValueError, match="exactly one"):
        resolve_threshold(train, alert_rate=0.01, threshold=0.5)
    with pytest.raises(ValueError, match="exactly one"):
        resolve_threshold(train)
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        resolve_threshold(train, threshold=2)
    scores = [0.0, 0.949, 0.95, 0.99, 0.998, 0.999, 1.0]
    assert list(severity(scores, [True] * 7)) == [
        "low",
        "low",
        "medium",
        "high",
        "high",
        "critical",
        "critical",
    ]
    # a window that does not alert has no severity, however high it scored
    assert list(severity(scores, [False] * 7)) == ["none"] * 7
    assert list(severity([0.0003, 0.9995], [False, True])) == ["none", "critical"]


def test_lof_reference_rows_get_their_training_scores_back():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 3))
    det = AnomalyDetector(algorithm="lof", lof_max_samples=60).fit(X)
    assert det.lof_[-1].n_samples_fit_ == 60
    # a window with a reference row's values gets that row's training score, not a
    # better one for finding itself as its own nearest neighbour; the others are new points
    again = det.anomaly_score(X)
    seen = det._lof_seen  # the reference windows, by the values a new window has
    reference = [i for i, r in enumerate(det.surprisal_.transform(X)) if r.tobytes() in seen]
    assert len(reference) == 60
    assert np.array_equal(again[reference], det.training_scores_[reference])
    assert np.corrcoef(again, det.training_scores_)[0, 1] > 0.99
    assert det.anomaly_score(np.full((1, 3), 8.0))[0] > det.training_scores_.max()
    with pytest.raises(ValueError, match="lof_max_samples must be an integer"):
        AnomalyDetector(lof_max_samples=0).fit(X)


def test_tail_surprisal_is_rarity_against_training():
    X = np.array([[0.0], [0.0], [0.0], [1.0]])
    t = TailSurprisal().fit(X)
    out = t.transform(np.array([[0.0], [1.0], [2.0], [-5.0]]))[:, 0]
    n = 4
    assert out[0] == pytest.approx(-np.log((4 + 1) / (n + 1)))  # every value is >= 0
    assert out[1] == pytest.approx(-np.log((1 + 1) / (n + 1)))
    assert out[2] > -np.log(1 / (n + 1))  # beyond the top: keeps growing
    assert out[3] == pytest.approx(0.0)  # the lower tail is not unusual


@pytest.mark.parametrize("algorithm", ["lof", "ensemble"])
def test_one_sparse_signal_outranks_every_normal_window(algorithm, seed):
    # nine noisy volume-like features and one that is 0 in every training window
    # (say, forged actor ids): a single 1 there must stand out.  An Isolation Forest
    # alone cannot see it (a feature constant in training is never split on), which is
    # one reason the default is the ensemble.
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.lognormal(size=(800, 9)), np.zeros((800, 1))])
    det = AnomalyDetector(algorithm=algorithm, n_estimators=100, random_state=seed).fit(X)
    normal = np.hstack([rng.lognormal(size=(300, 9)), np.zeros((300, 1))])
    sparse = np.hstack([np.median(X[:, :9], axis=0), [1.0]])[None, :]
    scores = det.anomaly_score(np.vstack([normal, sparse]))
    assert scores[-1] > scores[:-1].max()


def test_actor_adjustment_scores_a_window_against_its_actors_own_level(seed):
    rng = np.random.default_rng(seed)
    noisy = rng.normal(3.0, 1.0, size=(300, 3))  # an actor who is always busy and odd
    quiet = rng.normal(0.0, 1.0, size=(300, 3))
    X = np.vstack([noisy, quiet])
    groups = np.array(["noisy"] * 300 + ["quiet"] * 300)
    row = np.full((2, 3), 3.0)  # the noisy actor's usual level
    adjusted = AnomalyDetector(random_state=seed).fit(X, groups=groups)
    s = adjusted.anomaly_score(row, groups=["noisy", "quiet"])
    assert s[1] > s[0]  # usual for "noisy", unusual for "quiet"
    plain = AnomalyDetector(actor_weight=0.0, random_state=seed).fit(X, groups=groups)
    p = plain.anomaly_score(row, groups=["noisy", "quiet"])
    assert p[0] == p[1]
    # an actor never seen in training gets no adjustment
    u = adjusted.anomaly_score(row[:1], groups=["new"])[0]
    assert s[0] <= u <= s[1]


def test_an_actor_odd_every_day_still_ranks(seed):
    # one actor of fifty is odd on every training day: judged only against itself (weight
    # 1) its usual window is about as ordinary as anyone's; the default judges it half
    # against all actors, so it still ranks in the top quarter
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0.0, 1.0, size=(980, 3)), rng.normal(4.0, 0.5, size=(20, 3))])
    groups = np.array([f"u_{i % 49}" for i in range(980)] + ["u_odd"] * 20)
    rows = np.array([[4.0, 4.0, 4.0], [0.0, 0.0, 0.0]])
    who = ["u_odd", "u_0"]
    s = AnomalyDetector(random_state=seed).fit(X, groups=groups).anomaly_score(rows, groups=who)
    assert s[0] > 0.75 > s[1]
    itself = AnomalyDetector(actor_weight=1.0, random_state=seed).fit(X, groups=groups)
    assert itself.anomaly_score(rows, groups=who)[0] < 0.6


def test_alert_budget_caps_the_share_of_scored_windows_that_alert():
    score = np.linspace(0.0, 1.0, 1001)[::-1]  # best first
    # an explicit threshold: every window above it alerts
    assert alert_flags(score, 0.5).sum() == 500
    # a budget of 1%: at most 1.5% of the scored windows, the best-scored
    capped = alert_flags(score, 0.5, alert_rate=0.01)
    assert capped.sum() == int(np.floor(ALERT_CAP * 0.01 * 1001)) == 15
    assert capped[:15].all() and not capped[15:].any()
    # under the cap nothing changes; a single window may always alert
    assert alert_flags(score, 0.99, alert_rate=0.01).sum() == 10
    assert alert_flags(np.array([0.999]), 0.99, alert_rate=0.01).tolist() == [True]


def test_groups_must_match_rows():
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="groups has 3 entries for 50 rows of X"):
        AnomalyDetector().fit(X, groups=["a", "b", "c"])


def test_rarest_part_lifts_a_single_extreme_feature():
    # one decisive column far beyond training, every other column ordinary: Isolation
    # Forest and LOF dilute it among 30 ordinary columns, the rarest-feature part does not
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 30))
    row = np.zeros((1, 30))
    row[0, 7] = 6.0
    with_rare = AnomalyDetector(n_estimators=50, random_state=0).fit(X)
    without = AnomalyDetector(n_estimators=50, rarest=False, random_state=0).fit(X)
    comps = with_rare.score_components(row)
    assert comps["rarest_score"].iloc[0] > 0.999
    assert with_rare.anomaly_score(row)[0] > without.anomaly_score(row)[0]
    assert without.score_components(row)["rarest_score"].isna().all()
    with pytest.raises(ValueError, match="rarest"):
        AnomalyDetector(rarest="yes").fit(X)
