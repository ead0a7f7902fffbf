"""Simulate Pipes organisations and inject labelled attacks and benign look-alikes.

The core is pure: :func:`simulate` turns a :class:`GenerateConfig` into a
:class:`World` (columnar events plus ground truth), and :func:`render_jsonl` /
:func:`render_tables` turn a world's training or test period into JSON lines or
Arrow tables chunk by chunk.  Writing files is ``io.write_world``'s job.
:data:`KNOBS` are the realism knobs (meaning, default, allowed range) and
:func:`draw_variant` draws all of them from a family of distributions
(``docs/worlds.md``).

How the world is built
----------------------
1. Organisations, teams and actors (``builder``): people (normal, power, admin)
   in the configured time zones with local business hours, and service accounts
   (bots) that run 24/7 from cloud addresses; which newer action types exist and
   which records carry ``data.updated_by``.
2. IPs (``network``): office NAT addresses shared by an office, home addresses
   (IPv6 possibly renewed daily), VPN pools and exits possibly shared across
   organisations, phones rotating within and across carrier /16s, elastic bots.
   Attackers draw from the same kinds of ranges with the same minting function.
3. Benign activity (``activity``), vectorised over all actor-days: Poisson
   counts, sessions around local business hours, quieter weekends, holidays and
   leave, per-actor action mixes drawn around a role mix.
4. Incidents (``scenarios``, labelled; ``subtle`` forms; ``persistent``
   attackers from the first day) and look-alikes (``lookalikes``, ``mimics``,
   odd actors in ``persistent``; listed, unlabelled) are planned on real actors
   (``plan``) and injected as ordinary events (``inject``); joiners are new
   hires, leavers are removed by an admin (``turnover``).
5. Targets (``targets``): resources (workspaces, connections, pipelines,
   datatanks, ...) live in teams; a ``*.create`` makes a resource, a delete
   removes an existing one (routine benign deletes pick resources at least a
   week old), every other action touches a live resource, mostly of the actor's
   own team and often one a teammate created; each record learns who created
   its target (``data.created_by``).  Some in-workspace creations fill the
   team's newest workspace, which then stays.
6. Benign churn (``lookalikes``; unlabelled, like any ordinary activity):
   scratch workspaces that get a mod, connection or pipeline and are torn down
   minutes to days later, and resources created by mistake and deleted minutes
   later; so young deletes and short-lived workspaces are not attack-only.
7. Ground truth and manifest (``world``); records are rendered (``render``)
   from pre-serialised fragments (``fragments``).
"""

from pipes_anomaly.generate.config import (
    DEFAULT_START,
    KNOBS,
    GenerateConfig,
    default_train_days,
    knob_table,
    parse_knob,
    parse_knobs,
)
from pipes_anomaly.generate.render import render_jsonl, render_tables
from pipes_anomaly.generate.variants import FAMILIES, draw_variant, world_config
from pipes_anomaly.generate.world import World, simulate

__all__ = [
    "DEFAULT_START",
    "FAMILIES",
    "KNOBS",
    "GenerateConfig",
    "World",
    "default_train_days",
    "draw_variant",
    "knob_table",
    "parse_knob",
    "parse_knobs",
    "render_jsonl",
    "render_tables",
    "simulate",
    "world_config",
]
