"""pipes-anomaly: find attacks in the Turbot Pipes audit log by machine learning.

The public API, what a notebook user imports (README.md, "In a notebook", runs it)::

    from pipes_anomaly import read_events, train_model, score_events

    train = read_events("history.jsonl").events
    model = train_model(train)
    week = read_events("this-week.jsonl").events
    scores = score_events(week, model)
    warnings = model.fit_warnings(week, scores)

Each name is imported from its module on first use (``import pipes_anomaly`` loads none of
the scientific libraries).
"""

from importlib import import_module

__version__ = "0.13.0"

#: Public name -> the module that defines it.
_HOME = {
    "read_events": "pipes_anomaly.io.events",
    "build_features": "pipes_anomaly.features",
    "train_model": "pipes_anomaly.pipeline",
    "score_events": "pipes_anomaly.pipeline",
    "continue_history": "pipes_anomaly.pipeline",
    "TrainedModel": "pipes_anomaly.pipeline",
    "alerts_table": "pipes_anomaly.report",
    "write_scores": "pipes_anomaly.io.scores",
    "save_model": "pipes_anomaly.io.model_dir",
    "load_model": "pipes_anomaly.io.model_dir",
    "simulate": "pipes_anomaly.generate",
    "GenerateConfig": "pipes_anomaly.generate",
    "read_labels": "pipes_anomaly.io.labels",
    "evaluate": "pipes_anomaly.evaluation",
}

__all__ = ["__version__", *_HOME]


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
