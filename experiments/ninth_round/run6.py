"""The package's detector as changed in this round (each training window read against the
other training windows, :meth:`TailSurprisal.transform_left_out`; a window with a LOF
reference row's values gets that row's training factor) under ``random_state`` 0, 1 and 2,
beside the share of test windows scored above the alert threshold before the budget's cap
(``above``) and beyond the most anomalous training window (``beyond``). Run at 23b4bef
(``left_out``), at c66a840 (``others_spread``, shipped) and with 0.9.0's code (``v090``) on
the same cached features (this folder's README); ``--label`` names the rows."""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
COLS = list(catalog.MODEL_FEATURES)
SHARES: list[dict] = []


def variant(seed):
    def run(ftr, fte):
        return lab.fit_score(ftr, fte, COLS, shares=SHARES, random_state=seed)

    return run


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    args = parser.parse_args()
    variants = {f"{args.label}, seed {s}": variant(s) for s in (0, 1, 2)}
    df = lab.with_shares(lab.measure(variants), SHARES)
    lab.write(df, "ninth_round", f"run6_{args.label}")
    print(df.groupby(["size", "variant"])[["above", "beyond"]].mean().round(4))
