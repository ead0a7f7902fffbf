"""Per-feature rarity against the training windows: the scale every detector reads."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


#: Smallest unit of the extension beyond a feature's top (a feature whose top is its median).
#: A sparse feature's one non-zero training window is read against all-zero others in this
#: unit, as a new window beyond an all-zero column is: it comes out very rare by design.
_MIN_SPREAD = 1e-3


class TailSurprisal(TransformerMixin, BaseEstimator):
    """Per-feature upper-tail surprisal against the training windows.

    Each value ``x`` of feature ``j`` becomes ``-log((m + 1) / (n + 1))``, where ``m`` is
    the number of the ``n`` training values ``>= x``: 0 for the most ordinary value, about
    ``log(n)`` for a value no training window reached, plus ``log1p(excess / spread)``
    beyond the largest training value, so magnitude still counts there.

    This puts every feature on one scale of rarity.  It is what makes sparse signals
    visible: a feature that is 0 in 99.9% of training windows (one forged actor id, one
    member added) is as loud at 1 as a volume feature is at its record high, where a
    standard scaler would leave it near 0 (zero variance) or drown it among volume counts.
    All features are read in the upper tail: the features are built so that higher means
    more suspicious (more deletes, more new IPs, further from the actor's own baseline).

    Attributes
    ----------
    sorted_ : ndarray of shape (n_samples, n_features)
        Training values, sorted per column.
    top_ : ndarray of shape (n_features,)
        Largest training value per feature.
    spread_ : ndarray of shape (n_features,)
        ``top_ - median``, floored at ``1e-3``: the unit of the beyond-the-top extension.
    n_features_in_ : int
    """

    def fit(self, X: Any, y: Any = None) -> TailSurprisal:
        """Learn the training distribution of every feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : TailSurprisal
        """
        X = validate_data(self, X, dtype=np.float64)
        self.sorted_ = np.sort(X, axis=0)
        self.top_ = self.sorted_[-1].copy()
        self.spread_ = np.maximum(self.top_ - np.median(self.sorted_, axis=0), _MIN_SPREAD)
        return self

    def share_at_least(self, X: Any) -> np.ndarray:
        """Share of training values at least as high as each value, ``(m + 1) / (n + 1)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            In ``(0, 1]``; small = rare among the training windows.
        """
        X, at_least = self._at_least(X)
        return (at_least + 1.0) / (self.sorted_.shape[0] + 1.0)

    def _at_least(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``X`` validated, and the training values at least as high as each of its values."""
        check_is_fitted(self, "sorted_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n = self.sorted_.shape[0]
        at_least = np.empty_like(X)
        for j in range(X.shape[1]):
            at_least[:, j] = n - np.searchsorted(self.sorted_[:, j], X[:, j], side="left")
        return X, at_least

    def transform(self, X: Any) -> np.ndarray:
        """Surprisal of every value; same shape as ``X``, >= 0, higher = rarer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        out = -np.log(self.share_at_least(X))
        out += np.log1p(np.maximum(np.asarray(X, dtype=np.float64) - self.top_, 0.0) / self.spread_)
        return out

    def transform_left_out(self, X: Any) -> np.ndarray:
        """Surprisal of each training row against the *other* training rows.

        :meth:`transform` reads a training row against a reference that holds it: the
        row alone at a feature's top gets the share ``2 / (n + 1)``, as if a second window
        were as high, where a new window beyond all ``n`` training windows gets
        ``1 / (n + 1)``.  Here each row of ``X``, one of the rows the transform was fitted
        on, is read as a new window is, but against the others: ``-log(m / n)`` (``m``
        training values ``>= x``, itself included, so ``m - 1`` others plus one, of
        ``n - 1`` plus one), plus, for the row alone at a feature's top, the extension
        beyond the largest *other* value, in the others' spread (their largest value less
        their median), as :meth:`fit` on the others would set it.  Only for rows the
        transform was fitted on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows :meth:`fit` learned from (each row in it once per time it was).

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            ``>= transform(X)``, elementwise, for training rows.
        """
        X, at_least = self._at_least(X)
        n = self.sorted_.shape[0]
        out = -np.log(np.maximum(at_least, 1.0) / n)
        others = self.sorted_[:-1] if n > 1 else self.sorted_
        second = others[-1]
        spread = np.maximum(second - np.median(others, axis=0), _MIN_SPREAD)
        for j in range(X.shape[1]):
            # the row holding the largest value alone is read against the next largest
            alone = (X[:, j] >= self.top_[j]) & (self.top_[j] > second[j])
            out[alone, j] += np.log1p((X[alone, j] - second[j]) / spread[j])
        return out
