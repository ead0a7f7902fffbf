"""Suppression rules: known, accepted alerts kept out of the triage list until they expire.

A rules file is TOML (read with the standard library's :mod:`tomllib`), one ``[[rule]]``
table per rule::

    [[rule]]
    id = "ci-teardown"
    comment = "The CI bot deletes its test workspaces every night (OPS-123)"
    expires = 2026-06-30
    actor = "ci-bot"
    features = ["log_destructive", "destructive_vs_self"]

A rule matches an alert when every criterion it gives holds: ``actor`` is the alert's actor
id or handle, ``org`` its organisation (``identity_handle``), and every one of the alert's
reason features is among ``features`` (so a new kind of deviation by the same actor still
alerts).  ``id``, ``comment``, ``expires`` and at least one criterion are required.  A rule
holds through its expiry date; after it, it is listed as expired and suppresses nothing.
:func:`load_rules` checks a file and names file, rule and field of anything wrong;
:func:`apply_rules` marks the alerts (``suppressed_by``, the first matching rule in file
order); the alerts stay in the scores with their flag. docs/triage.md shows the format.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipes_anomaly.catalog import FEATURE_COLUMNS

__all__ = ["Rule", "SuppressionError", "SuppressionResult", "apply_rules", "load_rules"]

#: Keys a rule may have.
RULE_KEYS: tuple[str, ...] = ("id", "comment", "expires", "actor", "org", "features")
#: Keys that say which alerts a rule matches (at least one is required).
CRITERIA: tuple[str, ...] = ("actor", "org", "features")
#: What a rule id may look like (it is written into scores files and reports).
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class SuppressionError(ValueError):
    """A rules file that cannot be used; the message names file, rule and field."""


@dataclass(frozen=True)
class Rule:
    """One suppression rule.

    Attributes
    ----------
    id : str
    comment : str
        Why the alerts it matches are accepted (required: the next analyst reads it).
    expires : datetime.date
        Last day the rule holds.
    actor : str or None
        Actor id or handle.
    org : str or None
        Organisation handle (the scores' ``identity_handle``).
    features : tuple of str
        Reason features it accepts (empty: any).
    """

    id: str
    comment: str
    expires: dt.date
    actor: str | None = None
    org: str | None = None
    features: tuple[str, ...] = ()

    def expired(self, today: dt.date) -> bool:
        """Whether the rule no longer holds on ``today`` (it holds through its expiry date).

        Parameters
        ----------
        today : datetime.date

        Returns
        -------
        bool
        """
        return self.expires < today


@dataclass(frozen=True)
class SuppressionResult:
    """What :func:`apply_rules` did.

    Attributes
    ----------
    scores : DataFrame
        The scores with ``suppressed_by`` set on the alerts a rule matched.
    fired : dict of str to int
        Active rule id -> alerts it suppressed (0 for an active rule that matched none), in
        file order.
    expired : tuple of Rule
        Rules past their expiry date (they suppressed nothing).
    """

    scores: pd.DataFrame
    fired: dict[str, int]
    expired: tuple[Rule, ...]

    @property
    def n_suppressed(self) -> int:
        """Alerts suppressed by a rule."""
        return sum(self.fired.values())


def _where(path: str | Path, number: int, rule_id: object) -> str:
    """``"rules.toml: rule 2 ('ci-teardown')"``: where a problem is."""
    named = f" ({rule_id!r})" if isinstance(rule_id, str) and rule_id else ""
    return f"{path}: rule {number}{named}"


def _text(value: object, where: str, key: str) -> str:
    """Check a non-empty string field."""
    if not isinstance(value, str) or not value.strip():
        raise SuppressionError(f"{where}: field '{key}': must be a non-empty string")
    return value


def _date(value: object, where: str) -> dt.date:
    """Check the ``expires`` field: a TOML date or ``YYYY-MM-DD`` text."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise SuppressionError(f"{where}: field 'expires': must be a date such as 2026-06-30")


def _features(value: object, where: str) -> tuple[str, ...]:
    """Check the ``features`` field: a non-empty list of known feature names."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SuppressionError(
            f"{where}: field 'features': must be a non-empty list of feature names"
        )
    unknown = [v for v in value if v not in FEATURE_COLUMNS]
    if unknown:
        raise SuppressionError(
            f"{where}: field 'features': unknown feature {unknown[0]!r} (the feature names "
            "are in docs/features.md and the scores' reason_features column)"
        )
    return tuple(dict.fromkeys(value))


def _rule(table: object, number: int, path: str | Path, seen: set[str]) -> Rule:
    """Check one ``[[rule]]`` table and build its :class:`Rule`."""
    if not isinstance(table, dict):
        raise SuppressionError(f"{path}: rule {number}: must be a [[rule]] table")
    where = _where(path, number, table.get("id"))
    unknown = [k for k in table if k not in RULE_KEYS]
    if unknown:
        raise SuppressionError(
            f"{where}: field {unknown[0]!r}: unknown (a rule has {', '.join(RULE_KEYS)})"
        )
    for key in ("id", "comment", "expires"):
        if key not in table:
            raise SuppressionError(f"{where}: field '{key}': missing (it is required)")
    rule_id = _text(table["id"], where, "id")
    if not _RULE_ID.fullmatch(rule_id):
        raise SuppressionError(
            f"{where}: field 'id': use up to 64 letters, digits and _ . : - (starting with a "
            "letter or digit)"
        )
    if rule_id in seen:
        raise SuppressionError(f"{where}: field 'id': another rule has the id {rule_id!r}")
    seen.add(rule_id)
    if not any(k in table for k in CRITERIA):
        raise SuppressionError(
            f"{where}: no criterion: give at least one of {', '.join(CRITERIA)} (a rule "
            "without one would suppress every alert)"
        )
    return Rule(
        id=rule_id,
        comment=_text(table["comment"], where, "comment"),
        expires=_date(table["expires"], where),
        actor=_text(table["actor"], where, "actor") if "actor" in table else None,
        org=_text(table["org"], where, "org") if "org" in table else None,
        features=_features(table["features"], where) if "features" in table else (),
    )


def load_rules(path: str | Path) -> list[Rule]:
    """Read and check a suppression rules file.

    Parameters
    ----------
    path : str or Path
        A TOML file of ``[[rule]]`` tables.

    Returns
    -------
    list of Rule
        In file order.

    Raises
    ------
    SuppressionError
        When the file cannot be read or is not TOML (with its line and column), or a rule
        breaks the format; the message names the file, the rule (number and id) and the
        field.
    """
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise SuppressionError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SuppressionError(f"{path}: not valid TOML: {exc}") from exc
    extra = [k for k in doc if k != "rule"]
    if extra:
        raise SuppressionError(
            f"{path}: unknown key {extra[0]!r} at the top level (write each rule as [[rule]])"
        )
    tables = doc.get("rule", [])
    if not isinstance(tables, list):
        raise SuppressionError(f"{path}: 'rule' must be written as [[rule]] tables")
    seen: set[str] = set()
    return [_rule(t, n, path, seen) for n, t in enumerate(tables, start=1)]


def _matches(rule: Rule, scores: pd.DataFrame, features: Sequence[frozenset[str]]) -> np.ndarray:
    """Which rows of ``scores`` the rule's criteria all hold for."""
    hit = np.ones(len(scores), dtype=bool)
    if rule.actor is not None:
        ids = scores["actor_id"].astype(object).to_numpy() == rule.actor
        handles = scores["actor_handle"].astype(object).to_numpy() == rule.actor
        hit &= ids | handles
    if rule.org is not None:
        hit &= scores["identity_handle"].astype(object).to_numpy() == rule.org
    if rule.features:
        accepted = frozenset(rule.features)
        hit &= np.fromiter((bool(f) and f <= accepted for f in features), bool, len(scores))
    return hit


def apply_rules(
    scores: pd.DataFrame, rules: Sequence[Rule], *, today: dt.date
) -> SuppressionResult:
    """Mark the alerts that an active rule matches.

    Parameters
    ----------
    scores : DataFrame
        ``pipeline.score_events`` output (``alert``, ``actor_id``, ``actor_handle``,
        ``identity_handle``, ``reason_features``).
    rules : sequence of Rule
        From :func:`load_rules`.
    today : datetime.date
        The day the rules are judged on (a rule holds through its expiry date).

    Returns
    -------
    SuppressionResult
        ``suppressed_by`` holds the id of the first active rule (in file order) matching
        each alert, ``""`` elsewhere; ``alert`` is left as the model set it.
    """
    out = scores.copy()
    n = len(out)
    by = np.full(n, "", dtype=object)
    alerts = out["alert"].to_numpy(dtype=bool)
    feats = [
        frozenset(() if pd.isna(f) else str(f).split())
        for f in out["reason_features"].to_numpy(dtype=object)
    ]
    fired: dict[str, int] = {}
    expired: list[Rule] = []
    for rule in rules:
        if rule.expired(today):
            expired.append(rule)
            continue
        hit = alerts & (by == "") & _matches(rule, out, feats)
        by[hit] = rule.id
        fired[rule.id] = int(hit.sum())
    out["suppressed_by"] = pd.Series(by, index=out.index, dtype=object)
    return SuppressionResult(out, fired, tuple(expired))
