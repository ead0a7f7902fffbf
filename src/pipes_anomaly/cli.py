"""Command-line interface: a thin layer over the library.

Each command parses options, calls library functions, and turns domain errors
into ``click.ClickException`` with the fix in the message.  Nothing else.
"""

from __future__ import annotations

import click

from pipes_anomaly import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="anomaly")
def main() -> None:
    """Find attacks in the Turbot Pipes audit log by machine learning.

    Typical run: generate a labelled world, train on its training period,
    score its test period, evaluate the scores against the labels.
    """


# --- generate (issue 2) -----------------------------------------------------


# --- train / score (issue 4) --------------------------------------------------


# --- evaluate (issue 5) -------------------------------------------------------
