"""The thresholds of hunting query 11 (``hand_made_records``), picked on the development worlds
only (default world seeds 0-4, development variants 0-47): per actor-day of each test period,
its records, its records made without a process id, and the same over its own last 14 active
days before it; then the actor-days a grid of thresholds reports, against the labels and
look-alikes. Writes ``experiments/results/sixth_round/query11_grid.csv`` (one row per setting)."""

import itertools
import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import cross_world as cw  # noqa: E402
import worlds as W  # noqa: E402
from pipes_anomaly import hunting  # noqa: E402

DAYS = """
WITH days AS (
    SELECT actor_id, created_at::DATE AS day, count(*) AS records,
        count(*) FILTER (WHERE coalesce(process_id, '') = '') AS by_hand
    FROM pipes_audit_log GROUP BY actor_id, created_at::DATE
)
SELECT *, sum(records) OVER w AS past_records, sum(by_hand) OVER w AS past_by_hand
FROM days
WINDOW w AS (PARTITION BY actor_id ORDER BY day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
"""


def actor_days() -> pd.DataFrame:
    dirs = [(f"default{s}", cw.default_world(s, cw.HERE / "work" / "cross_world").source[0].parent)
            for s in cw.DEFAULT_SEEDS]  # fmt: skip
    dirs += [(f"{a}-{b}", W.world_dir(a, b)) for a, b in [*W.DEV, *cw.EXTRA_DEV]]
    rows = []
    for name, d in dirs:
        con = hunting.connect([d / "train.jsonl", d / "test.jsonl"])
        t = con.execute(DAYS).df()
        con.close()
        start = json.loads((d / "manifest.json").read_text())["test_period"]["start"]
        t["day"] = t["day"].astype(str)
        t = t[t["day"] >= start]
        attacks = pd.read_csv(d / "window_labels.csv").drop_duplicates(["actor_id", "day"])
        looks = pd.read_csv(d / "lookalikes.csv").drop_duplicates(["actor_id", "day"])
        t = t.merge(attacks, on=["actor_id", "day"], how="left")
        rows.append(t.merge(looks, on=["actor_id", "day"], how="left").assign(world=name))
    return pd.concat(rows, ignore_index=True)


def grid(df: pd.DataFrame) -> pd.DataFrame:
    past = df["past_records"].fillna(0)
    share = df["past_by_hand"].fillna(0) / past.clip(lower=1)
    usual = share * df["records"]
    misuse = df["scenario"] == "service_account_misuse"
    out = []
    for least, most, hand, times in itertools.product(
        (20, 50, 100, 200), (0.02, 0.05, 0.1, 0.2), (2, 3, 4), (0, 2, 3)
    ):
        hit = (past >= least) & (share <= most) & (df["by_hand"] >= hand)
        hit &= df["by_hand"] > times * usual + hand - 1
        out.append({
            "least_records": least, "most_share_by_hand": most, "least_by_hand": hand,
            "times_usual": times, "actor_days": int(hit.sum()),
            "misuse_days": int((hit & misuse).sum()), "misuse_days_all": int(misuse.sum()),
            "other_attack_days": int((hit & df["scenario"].notna() & ~misuse).sum()),
            "hand_maintenance_days": int((hit & (df["kind"] == "hand_maintenance")).sum()),
            "lookalike_days": int((hit & df["kind"].notna()).sum()),
        })  # fmt: skip
    return pd.DataFrame(out)


if __name__ == "__main__":
    g = grid(actor_days())
    out = HERE.parent / "results" / "sixth_round" / "query11_grid.csv"
    g.to_csv(out, index=False)
    chosen = (g.least_records == 50) & (g.most_share_by_hand == 0.2) & (g.least_by_hand == 3)
    print(g[chosen & (g.times_usual == 2)].to_string(index=False))
