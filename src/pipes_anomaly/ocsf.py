"""Alerts as OCSF Detection Findings (class 2004, OCSF 1.3.0), for SIEMs and data lakes.

One finding per alert, suppressed alerts included with the status ``Suppressed`` and the
rule's id, so a SIEM sees the same alert list as the scores file.  Each finding carries the
actor, the organisation, the window, the score and severity, the reasons and their features,
the MITRE ATT&CK techniques those point to (:mod:`pipes_anomaly.attack`), the first evidence
records and their total.  What the OCSF schema has no attribute for (the feature names, the
detector's scores) is under ``unmapped``.  Every attribute is listed in docs/scores.md.

The finding id is a hash of the actor and the window, so scoring the same window again gives
the same id (a SIEM updates the finding instead of adding one), and ``time`` is the end of
the window rather than the time of the run, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipes_anomaly import __version__
from pipes_anomaly.attack import attacks_of
from pipes_anomaly.hunting import Attack

__all__ = ["OCSF_VERSION", "REQUIRED", "SEVERITY_IDS", "detection_findings"]

#: OCSF schema version the findings follow.
OCSF_VERSION = "1.3.0"
#: Detection Finding: class, category and the ``Create`` activity.
CLASS_UID, CATEGORY_UID, ACTIVITY_CREATE = 2004, 2, 1
#: Our severity -> OCSF ``severity_id`` and its caption.
SEVERITY_IDS: dict[str, tuple[int, str]] = {
    "none": (1, "Informational"),
    "low": (2, "Low"),
    "medium": (3, "Medium"),
    "high": (4, "High"),
    "critical": (5, "Critical"),
}
#: OCSF ``status_id`` of a new finding and of a suppressed one.
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
#: Attributes OCSF 1.3.0 requires of a Detection Finding, and of the objects it holds here.
REQUIRED: dict[str, tuple[str, ...]] = {
    "finding": (
        "activity_id",
        "category_uid",
        "class_uid",
        "finding_info",
        "metadata",
        "severity_id",
        "time",
        "type_uid",
    ),
    "finding_info": ("uid", "title"),
    "metadata": ("product", "version"),
    "product": ("name", "vendor_name"),
}
#: The product that reports the findings.
_PRODUCT = {"name": "pipes-anomaly", "vendor_name": "pipes-anomaly", "version": __version__}
#: Rows of a details frame, as dicts.
_Records = list[dict[str, Any]]
#: OCSF observable types used.
_IP_ADDRESS, _USER_NAME, _RESOURCE_UID = 2, 4, 10


def _ms(value: object) -> int:
    """Return the milliseconds since the epoch of a UTC time."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def _text(value: object) -> str | None:
    """Return the text of a possibly missing value (None when missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _words(value: object) -> list[str]:
    """Split a space-separated cell (missing: none)."""
    return (_text(value) or "").split()


def finding_uid(actor_id: object, window_start: object) -> str:
    """Return a finding's id: the same for the same actor and window on every run.

    Parameters
    ----------
    actor_id : object
    window_start : object
        UTC time.

    Returns
    -------
    str
        ``pipes-anomaly:`` and 32 hex digits of a sha256.
    """
    key = f"{actor_id}\x1f{_ms(window_start)}".encode()
    return "pipes-anomaly:" + hashlib.sha256(key).hexdigest()[:32]


def _attack(a: Attack) -> dict[str, Any]:
    """Return the OCSF ``attack`` object of one technique."""
    out: dict[str, Any] = {
        "tactic": {"uid": a.tactic_uid, "name": a.tactic},
        "technique": {"uid": a.technique_uid, "name": a.technique},
    }
    if a.sub_technique_uid:
        out["sub_technique"] = {"uid": a.sub_technique_uid, "name": a.sub_technique}
    return out


def _evidences(row: Mapping[str, Any], records: _Records) -> list[dict[str, Any]]:
    """Return one Evidence Artifacts object per listed evidence record."""
    user = {"uid": _text(row["actor_id"]), "name": _text(row["actor_handle"])}
    out = []
    for rec in records:
        item: dict[str, Any] = {
            "actor": {"user": {k: v for k, v in user.items() if v is not None}},
            "api": {"operation": _text(rec["action_type"])},
            "data": {
                k: v
                for k, v in (
                    ("record_id", _text(rec["id"])),
                    ("created_at", rec["created_text"]),
                    ("target", _text(rec["target"])),
                    ("process_id", _text(rec["process_id"])),
                )
                if v is not None
            },
        }
        ip = _text(rec["actor_ip"])
        if ip is not None:
            item["src_endpoint"] = {"ip": ip}
        out.append(item)
    return out


def _observables(row: Mapping[str, Any], records: _Records) -> list[dict[str, Any]]:
    """Return the actor (id, handle) and the IPs of the listed evidence as observables."""
    out = [
        {
            "name": "evidences.actor.user.uid",
            "type_id": _RESOURCE_UID,
            "type": "Resource UID",
            "value": _text(row["actor_id"]),
        }
    ]
    handle = _text(row["actor_handle"])
    if handle is not None:
        out.append(
            {
                "name": "evidences.actor.user.name",
                "type_id": _USER_NAME,
                "type": "User Name",
                "value": handle,
            }
        )
    ips = [_text(rec["actor_ip"]) for rec in records]
    for ip in dict.fromkeys(i for i in ips if i is not None):
        out.append(
            {
                "name": "evidences.src_endpoint.ip",
                "type_id": _IP_ADDRESS,
                "type": "IP Address",
                "value": ip,
            }
        )
    return out


def _by_window(frame: pd.DataFrame) -> dict[tuple[str, int], _Records]:
    """Split a details frame into records by (actor id, window start in ms)."""
    out: dict[tuple[str, int], _Records] = {}
    if frame.empty:
        return out
    starts = pd.to_datetime(frame["window_start"], utc=True).to_numpy(dtype="datetime64[ms]")
    keys = zip(frame["actor_id"].astype(str), starts.view(np.int64).tolist(), strict=True)
    for key, rec in zip(keys, frame.to_dict("records"), strict=True):
        out.setdefault(key, []).append(rec)
    return out


def _reason_values(reasons: _Records) -> list[dict[str, Any]]:
    """Return each reason with its feature and the values it compares."""
    return [
        {
            "feature": r["feature"],
            "reason": r["reason"],
            "unit": r["unit"],
            "actual": float(r["actual"]),
            "typical": float(r["typical"]),
            "overall": float(r["overall"]),
            "peers": None if np.isnan(r["peers"]) else float(r["peers"]),
            "training_share": float(r["training_share"]),
        }
        for r in reasons
    ]


def _finding_info(row: Mapping[str, Any], records: _Records, handle: str) -> dict[str, Any]:
    """Return the ``finding_info`` object of one alert: id, title, reasons, techniques."""
    day = pd.Timestamp(row["window_start"]).strftime("%Y-%m-%d %H:%M")
    techniques = _words(row.get("attack_techniques"))
    info: dict[str, Any] = {
        "uid": finding_uid(row["actor_id"], row["window_start"]),
        "title": f"Unusual activity by {handle} in the window from {day} UTC",
        "desc": _text(row["reasons"]) or "",
        "types": ["Anomalous actor-window"],
        "analytic": {"name": "pipes-anomaly", "type_id": 4, "type": "Learning (ML/DL)"},
        "attacks": [_attack(a) for a in attacks_of(techniques)],
        "data_sources": ["Turbot Pipes audit log"],
    }
    if records:
        times = [rec["created_ms"] for rec in records]
        info["first_seen_time"], info["last_seen_time"] = min(times), max(times)
    return info


def _finding(
    row: Mapping[str, Any], reasons: _Records, records: _Records, threshold: float
) -> dict[str, Any]:
    """Turn one alert into a Detection Finding."""
    severity_id, severity = SEVERITY_IDS.get(str(row["severity"]), (0, "Unknown"))
    rule = _text(row.get("suppressed_by")) or ""
    status_id, status = STATUS_SUPPRESSED if rule else STATUS_NEW
    handle = _text(row["actor_handle"]) or str(row["actor_id"])
    org = _text(row["identity_handle"])
    start, end = _ms(row["window_start"]), _ms(row["window_end"])
    features = _words(row.get("reason_features"))
    finding: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": end,
        "start_time": start,
        "end_time": end,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": f"{handle}: {_text(row['reasons']) or 'unusual actor-window'}",
        "metadata": {
            "version": OCSF_VERSION,
            "product": dict(_PRODUCT),
            "log_name": "pipes_audit_log",
        },
        "finding_info": _finding_info(row, records, handle),
        "evidences": _evidences(row, records),
        "observables": _observables(row, records),
        "unmapped": {
            "actor_id": _text(row["actor_id"]),
            "actor_handle": _text(row["actor_handle"]),
            "organisation": org,
            "n_events": int(row["n_events"]),
            "score": float(row["score"]),
            "iforest_score": float(row["iforest_score"]),
            "lof_score": float(row["lof_score"]),
            "threshold": float(threshold),
            "reason_features": features,
            "reasons": _reason_values(reasons),
            "evidence_total": int(records[0]["evidence_total"]) if records else 0,
            "evidence_ids": _words(row.get("evidence")),
            "suppressed_by": rule,
        },
    }
    if org is not None:
        finding["resources"] = [{"name": org, "type": "Pipes organisation"}]
    if rule:
        finding["status_detail"] = f"suppressed by rule {rule}"
    return finding


def detection_findings(
    scores: pd.DataFrame, reasons: pd.DataFrame, evidence: pd.DataFrame, *, threshold: float
) -> list[dict[str, Any]]:
    """Turn the alerts of a scores frame into OCSF Detection Findings.

    Parameters
    ----------
    scores : DataFrame
        ``schema.SCORE_COLUMNS`` (``suppressed_by`` set by the suppression rules, if any).
    reasons, evidence : DataFrame
        ``details.REASON_COLUMNS`` and ``details.EVIDENCE_COLUMNS`` of the alerts
        (:func:`pipes_anomaly.pipeline.score_windows` with ``details=True``); an alert
        missing from them gets no reason values and no evidence records.
    threshold : float
        The alert cut-off used.

    Returns
    -------
    list of dict
        One finding per alert, in the scores' order (window, then actor), ready for
        ``json.dumps``; :data:`REQUIRED` lists the attributes every one of them has.
    """
    alerts = scores.loc[scores["alert"].to_numpy(dtype=bool)]
    times = pd.to_datetime(evidence["created_at"], utc=True)
    evidence = evidence.assign(
        created_ms=times.to_numpy(dtype="datetime64[ms]").view(np.int64),
        created_text=times.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    reasons_of, records_of = _by_window(reasons), _by_window(evidence)
    out = []
    for row in alerts.to_dict("records"):
        key = (str(row["actor_id"]), _ms(row["window_start"]))
        out.append(_finding(row, reasons_of.get(key, []), records_of.get(key, []), threshold))
    return out
