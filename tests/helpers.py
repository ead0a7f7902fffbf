"""Helpers shared by the test modules (pytest puts this folder on the import path)."""

from click.testing import CliRunner, Result

from pipes_anomaly.cli import main


def run_cli(*args: str) -> Result:
    """Run ``anomaly <args>`` in-process; exceptions other than exits propagate."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
