"""Days caught in the top 5% by attack kind and form (plain, subtle), with the shipped detector:
on the large development variants (at least 40 actors) and on the second independent world,
seeds 1-4, now development data. Writes ``results/tenth_round/diag1.md``."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import independent, lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector  # noqa: E402

#: the model columns of 0.10.0, whose features the caches hold
COLS = [c for c in catalog.MODEL_FEATURES if c != "log_self_owner_grants"]


def day_table(labels, forms: dict) -> pd.DataFrame:
    """Each attack actor-day: its kind and its incident's form (the first incident of a day)."""
    rec = labels.records
    day = rec["created_at"].dt.strftime("%Y-%m-%d")
    kinds = pd.DataFrame(
        {
            "key": rec["actor_id"] + "|" + day,
            "kind": rec["scenario"],
            "form": rec["incident_id"].map(forms).fillna("plain"),
        }
    ).drop_duplicates("key")
    return kinds


def caught(world: tuple, forms: dict) -> pd.DataFrame:
    _, _, ftr, fte, labels, _ = world
    det = AnomalyDetector(random_state=0).fit(ftr[COLS], groups=ftr["actor_id"].to_numpy())
    s = det.anomaly_score(fte[COLS], groups=fte["actor_id"].to_numpy())
    pct = pd.Series(s).rank(ascending=False, pct=True).to_numpy()
    rarity = det.surprisal_.transform(fte[COLS].to_numpy(float))
    keys = (fte["actor_id"] + "|" + fte["window_start"].dt.strftime("%Y-%m-%d")).to_numpy()
    at = {k: i for i, k in enumerate(keys)}
    days = day_table(labels, forms)
    i = days["key"].map(at)
    days = days[i.notna()].assign(row=i[i.notna()].astype(int))
    grants = [COLS.index(c) for c in ("log_new_owner_grants", "log_self_grants")]
    return days.assign(
        caught=pct[days["row"]] <= 0.05,
        pct=pct[days["row"]],
        grant_rarity=rarity[days["row"]][:, grants].max(axis=1),
    )


def main() -> None:
    rows, beyond = [], []
    for p in lab.worlds(("dev", "devx")):
        world = lab.load(p)
        if world[2]["actor_id"].nunique() < 40:
            continue
        top = world[2][COLS].max().to_numpy()
        beyond.append(float((world[3][COLS].to_numpy() > top).any(axis=1).mean()))
        forms = {i["incident_id"]: i.get("form", "plain") for i in world[5]["incidents"]}
        rows.append(caught(world, forms).assign(worlds="large development variants"))
    for seed in (1, 2, 3, 4):
        world = independent("indep2", seed)
        rows.append(
            caught(world, world[5].get("incident_forms", {})).assign(worlds="indep2, seeds 1-4")
        )
    df = pd.concat(rows)
    table = df.groupby(["worlds", "kind", "form"])["caught"].agg(["mean", "size"]).reset_index()
    lines = [
        "# Attack days in the top 5% by kind and form (shipped detector, version 0.10.0)",
        "",
        "Command: `python experiments/tenth_round/diag1.py`.",
        "",
    ]
    for worlds, t in table.groupby("worlds"):
        wide = t.pivot(index="kind", columns="form", values=["mean", "size"])
        forms = [f for f in ("plain", "subtle", "persistent") if f in set(t["form"])]
        head = " | ".join(f"{f} caught | {f} days" for f in forms)
        lines += [f"## {worlds}", "", f"| kind | {head} |", "|---" * (1 + 2 * len(forms)) + "|"]
        for kind in wide.index:
            cells = []
            for f in forms:
                m = wide.get(("mean", f), pd.Series(dtype=float)).get(kind, np.nan)
                n = wide.get(("size", f), pd.Series(dtype=float)).get(kind, np.nan)
                cells += ["" if pd.isna(m) else f"{m:.2f}", "" if pd.isna(n) else f"{int(n)}"]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        by_form = t.assign(c=t["mean"] * t["size"]).groupby("form")[["c", "size"]].sum()
        lines += [
            "",
            "All kinds: "
            + ", ".join(
                f"{f} {r['c'] / r['size']:.2f} of {int(r['size'])} days"
                for f, r in by_form.iterrows()
            ),
            "",
        ]
    esc = df[(df["kind"] == "privilege_escalation") & (df["form"] == "subtle")]
    for worlds, e in esc.groupby("worlds"):
        lines += [
            f"Subtle privilege escalation days, {worlds}: {len(e)}; their rank as a share of the "
            f"test windows, median {e['pct'].median():.3f} (range {e['pct'].min():.3f}-"
            f"{e['pct'].max():.3f}); the larger rarity (-log share) of `log_new_owner_grants` and "
            f"`log_self_grants` on them, median {e['grant_rarity'].median():.1f} (range "
            f"{e['grant_rarity'].min():.1f}-{e['grant_rarity'].max():.1f}).",
            "",
        ]
    lines += [
        "Test windows with a value beyond every training window's on at least one of the "
        f"{len(COLS)} model columns, large development variants: mean {np.mean(beyond):.3f}, "
        f"median {np.median(beyond):.3f}, range {min(beyond):.3f}-{max(beyond):.3f}.",
        "",
    ]
    out = HERE.parent / "results" / "tenth_round"
    out.mkdir(parents=True, exist_ok=True)
    (out / "diag1.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
