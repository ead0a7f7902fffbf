"""Every file the package reads or writes: audit logs in; worlds, scores, reports, models out.

- :mod:`~pipes_anomaly.io.events`: audit records -> the events frame (:func:`read_events`):
  ``_inputs`` opens files, folders and streams and tells what they hold, one module reads
  each kind (``_jsonl`` and ``_duckdb`` JSON lines, ``_document`` JSON documents,
  ``_parquet``), ``_json`` and ``_records`` define what a record is on every path, and
  ``_frame`` assembles the frame;
- :mod:`~pipes_anomaly.io.rejects`, :mod:`~pipes_anomaly.io.scores`,
  :mod:`~pipes_anomaly.io.world`, :mod:`~pipes_anomaly.io.labels`,
  :mod:`~pipes_anomaly.io.report`, :mod:`~pipes_anomaly.io.model_dir`: one kind of file each.

The names below are imported from their module on first use, so that reading a log does not
load the plotting or model libraries.
"""

from importlib import import_module

#: Public name -> the module of this package that defines it.
_HOME = {
    "MAX_LINE_BYTES": "_records",
    "InputError": "_records",
    "OutputError": "_atomic",
    "Reject": "_records",
    "FileStats": "events",
    "ReadResult": "events",
    "ReadStats": "events",
    "read_events": "events",
    "unknown_actions_warning": "events",
    "unread_files_warning": "events",
    "LabelsError": "labels",
    "read_labels": "labels",
    "write_reject_reasons": "rejects",
    "write_rejects": "rejects",
    "write_report": "report",
    "write_triage_report": "report",
    "SCORE_EXTENSIONS": "scores",
    "SCORE_FORMATS": "scores",
    "check_scores_path": "scores",
    "read_scores": "scores",
    "write_findings": "scores",
    "write_scores": "scores",
    "WORLD_FORMATS": "world",
    "write_world": "world",
    "MANIFEST_NAME": "model_dir",
    "load_model": "model_dir",
    "read_manifest": "model_dir",
    "save_model": "model_dir",
    "sha256_files": "model_dir",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
