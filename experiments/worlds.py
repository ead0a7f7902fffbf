"""The development and held-out world variants, written to disk on demand, and their summary.

Make every detection choice on the development variants (:data:`DEV`); report on the held-out
variants (:data:`HOLDOUT`), generated with other knob distributions and used for nothing else
(``docs/worlds.md``). This file holds no detection. From the repository root::

    python experiments/worlds.py list                 # the variants and their folders
    python experiments/worlds.py write dev 3          # write (or reuse) dev/3, print its folder
    python experiments/worlds.py write --all          # every listed variant
    python experiments/worlds.py summary              # writes experiments/results/worlds.md

Worlds are written as JSON lines under ``experiments/work/worlds/<family>-<seed>/`` (ignored by
git) by ``anomaly generate``'s own code, and reused while the generator's source and the
variant's parameters are unchanged (a key file in the folder records both).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

from _common import machine_line, write_result

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipes_anomaly.generate import GenerateConfig, draw_variant, simulate  # noqa: E402
from pipes_anomaly.io import write_world  # noqa: E402
from pipes_anomaly.schema import LOOKALIKES, SCENARIOS  # noqa: E402

#: development variants: every choice is made on these
DEV: tuple[tuple[str, int], ...] = tuple(("dev", s) for s in range(8))
#: held-out variants: reported on, never tuned on
HOLDOUT: tuple[tuple[str, int], ...] = tuple(("holdout", s) for s in range(100, 108))
#: where written worlds go
WORK = ROOT / "experiments" / "work" / "worlds"
#: the file in a world's folder that says which code and parameters made it
_KEY_FILE = ".generator-key"


def variant_config(family: str, seed: int) -> GenerateConfig:
    """The parameters of variant ``family/seed`` (as ``anomaly generate --variant``)."""
    return draw_variant(seed, family)


def _key(config: GenerateConfig) -> str:
    """A digest of the generator's source and the world's parameters."""
    digest = hashlib.sha256(repr(config).encode())
    for path in sorted((ROOT / "src" / "pipes_anomaly" / "generate").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def world_dir(family: str, seed: int, root: Path = WORK) -> Path:
    """Write variant ``family/seed`` into ``root/<family>-<seed>`` unless it is there; return it.

    A folder made by other generator code or parameters is replaced; a new world is
    written beside it first and moved in place when complete.
    """
    config = variant_config(family, seed)
    out = root / f"{family}-{seed}"
    key = _key(config)
    if (out / _KEY_FILE).is_file() and (out / _KEY_FILE).read_text() == key:
        return out
    tmp = root / f".{family}-{seed}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    write_world(simulate(config), tmp, fmt="jsonl")
    (tmp / _KEY_FILE).write_text(key)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def _manifests() -> dict[str, dict]:
    """Each listed variant's manifest (simulated in memory, nothing written)."""
    out = {}
    for family, seed in DEV + HOLDOUT:
        print(f"simulating {family}/{seed}", file=sys.stderr)
        out[f"{family}/{seed}"] = simulate(variant_config(family, seed)).manifest
    return out


def _cell(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _size_table(manifests: dict[str, dict]) -> list[str]:
    """One row per variant: timeline, size, records, incidents and look-alikes."""
    lines = [
        "| variant | start | days (train) | orgs x actors | bots | records (train / test) "
        "| labelled | incidents plain / subtle / persistent | look-alike actor-days |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in manifests.items():
        p, r, s = m["parameters"], m["records"], m["scenarios"].values()
        forms = (sum(v["incidents_train"] + v["incidents_test"] for v in s)
                 - sum(v["incidents_subtle"] for v in s), sum(v["incidents_subtle"] for v in s),
                 sum(v["incidents_persistent"] for v in s))  # fmt: skip
        lines.append(
            f"| {name} | {p['start']} | {p['days']} ({p['train_days']}) | "
            f"{p['orgs']} x {p['actors']} | {m['actors']['bot']} | {r['total']:,} "
            f"({r['train']:,} / {r['test']:,}) | {m['labelled_records']:,} | "
            f"{forms[0]} / {forms[1]} / {forms[2]} | {sum(m['lookalikes'].values()):,} |"
        )
    return lines


def _grid(manifests: dict[str, dict], rows: list[str], value) -> list[str]:
    """A table with one row per item of ``rows`` and one column per variant."""
    names = list(manifests)
    lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row} | " + " | ".join(value(manifests[n], row) for n in names) + " |")
    return lines


def _incidents(m: dict, scenario: str) -> str:
    v = m["scenarios"].get(scenario)
    if v is None:
        return "-"
    n = v["incidents_train"] + v["incidents_test"] + v["incidents_persistent"]
    return f"{n} ({v['incidents_subtle']}s)" if v["incidents_subtle"] else str(n)


def summary() -> Path:
    """Write ``experiments/results/worlds.md``: knobs, sizes, incidents and look-alikes."""
    manifests = _manifests()
    knobs = [k for k in next(iter(manifests.values()))["parameters"] if k != "scenarios"]
    lines = [
        "# World variants",
        "",
        machine_line("python experiments/worlds.py summary"),
        f"Development variants: {', '.join(f'{f}/{s}' for f, s in DEV)}. Held-out variants: "
        f"{', '.join(f'{f}/{s}' for f, s in HOLDOUT)}. Drawn by `draw_variant` "
        "(`anomaly generate --variant SEED --family FAMILY`); docs/worlds.md gives the "
        "distributions. Every scenario is injected in every variant.",
        "",
        "## Sizes",
        "",
        *_size_table(manifests),
        "",
        "## Incidents per scenario (training, test and persistent; `s`: of them subtle)",
        "",
        *_grid(manifests, list(SCENARIOS), _incidents),
        "",
        "## Look-alike actor-days per kind",
        "",
        *_grid(manifests, list(LOOKALIKES), lambda m, k: str(m["lookalikes"][k])),
        "",
        "## Records of action types outside the 51",
        "",
        *_grid(manifests, ["records"], lambda m, _: f"{m['actions']['new_type_records']:,}"),
        "",
        "## Knobs",
        "",
        *_grid(manifests, knobs, lambda m, k: _cell(m["parameters"][k])),
        "",
    ]
    return write_result("worlds.md", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the variants and their folders")
    w = sub.add_parser("write", help="write (or reuse) variant worlds; print their folders")
    w.add_argument("family", nargs="?", choices=["dev", "holdout"])
    w.add_argument("seed", nargs="?", type=int)
    w.add_argument("--all", action="store_true", help="every listed variant")
    sub.add_parser("summary", help="write experiments/results/worlds.md")
    args = parser.parse_args()
    if args.command == "list":
        for family, seed in DEV + HOLDOUT:
            print(f"{family}/{seed}\t{WORK / f'{family}-{seed}'}")
    elif args.command == "write":
        if args.all == (args.family is not None):
            parser.error("give FAMILY SEED or --all")
        for family, seed in DEV + HOLDOUT if args.all else ((args.family, args.seed),):
            print(world_dir(family, seed))
    else:
        summary()


if __name__ == "__main__":
    main()
