"""``trail_action_vs_self`` read only where the type holds at least 2 records over the
trailing windows (one record of a type an actor never used gives log 2 today), against the
shipped reading, on the 53 development worlds (features cached under
``experiments/work/eighth_round/run7`` with the variant's code patched in)."""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.features import windows  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run7"
lab.CACHE.mkdir(parents=True, exist_ok=True)
_shipped = windows._TypeCounts.trailing_growth


def _at_least_two(self, j, hist_windows, T):
    trail = self._sum_from(j[self.rows])
    hist_sum = self._sum_from(self.block_start) - trail
    growth = windows._trailing_ratio(self.x, trail, hist_sum, hist_windows[self.rows], T)
    return self._largest(np.where(trail >= 2, growth, 0.0))


if __name__ == "__main__":
    windows._TypeCounts.trailing_growth = _at_least_two
    lab.write(lab.measure({"at least 2 records": lab.ensemble_cols(())}), "eighth_round", "run7")
