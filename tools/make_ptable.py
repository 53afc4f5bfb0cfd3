"""Write ipsdash/figures/ptable.csv, the perturbation table of the cell key method (README, "Small numbers").

Format of the ONS `cell-key-perturbation` package: columns pcv (the true count, 1-750; larger
counts read row ((count - 1) mod 250) + 501), ckey (the cell key, 0-255) and pvalue (the noise).
Parameters (data-contract.md, "Small numbers and consistent noise"):

- noise from -2 to +2 with mean 0 in every row;
- from a true count of 7 up (where -2 keeps it at 5 or more) the noise is Binomial(4, 1/2) - 2:
  -2, -1, 0, +1, +2 for 16, 64, 96, 64, 16 of the 256 cell keys: variance exactly 1;
- a true 6 may go down by 1 only: -1, 0, +1, +2 for 112, 48, 80, 16 cell keys (mean 0, variance 1);
- a true 5 stays 5 (mean 0 with no noise below 0 leaves none); a true 1-4 has no noise (it is
  shown as "<5" whatever its noise); a true 0 has no row and stays 0;
- so a true count of 5 or more is never published below 5;
- which cell keys get which noise is shuffled in each row with a fixed seed (SEED), so that two
  counts with the same cell key get unrelated noise.

    python tools/make_ptable.py   # the same file each time
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

KEYS = 256
ROWS = 750
SEED = 20260515
NOISE = (-2, -1, 0, 1, 2)
# Cell keys (of 256) per noise value.
WIDE = (16, 64, 96, 64, 16)  # pcv >= 7
SIX = (0, 112, 48, 80, 16)  # pcv 6: never below 5
NONE = (0, 0, 256, 0, 0)  # pcv 1-5
OUT = Path(__file__).resolve().parent.parent / "ipsdash" / "figures" / "ptable.csv"


def row(pcv: int) -> tuple[int, ...]:
    return WIDE if pcv >= 7 else SIX if pcv == 6 else NONE


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for pcv in range(1, ROWS + 1):
        counts = row(pcv)
        values = np.repeat(NOISE, counts)
        assert len(values) == KEYS and values.sum() == 0 and pcv + values.min() >= min(pcv, 5)
        rows.append(pd.DataFrame({"pcv": pcv, "ckey": np.arange(KEYS), "pvalue": rng.permutation(values)}))
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    make().to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT}")
