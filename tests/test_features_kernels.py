"""The feature pipeline's array kernels against plain pandas references.

Each kernel has a fast path chosen by the size of its inputs (a presence table or a dense
table when the key space is small, hashing otherwise; a radix sort when codes fit 16 bits).
Hypothesis draws inputs on both sides of each switch; every path must give exactly what the
reference gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_anomaly.features._kernels import (
    _dense_rank,
    _first_seen,
    _nunique_per_row,
    _stable_argsort,
)

# a small key space takes the table paths, a large one (70,000 keys) the hashing paths
_SPACES = st.sampled_from([3, 50, 70_000])


@st.composite
def _rows_codes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    n = draw(st.integers(0, 300))
    n_rows = draw(st.integers(1, 40))
    space = draw(_SPACES)
    rows = np.array(draw(st.lists(st.integers(0, n_rows - 1), min_size=n, max_size=n)))
    codes = np.array(draw(st.lists(st.integers(-1, space - 1), min_size=n, max_size=n)))
    return rows.astype(np.int64), codes.astype(np.int64), n_rows


@settings(max_examples=150, deadline=None)
@given(_rows_codes())
def test_nunique_per_row_matches_pandas(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    rows, codes, n_rows = case
    ok = codes >= 0
    expected = pd.Series(codes[ok]).groupby(rows[ok]).nunique().reindex(range(n_rows), fill_value=0)
    got = _nunique_per_row(rows, codes, n_rows)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected.to_numpy(dtype=np.float64))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 70_000), max_size=300),
    st.sampled_from([1, 7, 1 << 16, 70_001]),
)
def test_stable_argsort_is_numpys_stable_argsort(values: list[int], bound: int) -> None:
    codes = np.array(values, dtype=np.int64) % bound  # both sides of the 16-bit switch
    np.testing.assert_array_equal(_stable_argsort(codes), np.argsort(codes, kind="stable"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), max_size=300), st.sampled_from([1, 50, 10**6]))
def test_dense_rank_is_sorted_factorize(values: list[int], bound: int) -> None:
    keys = np.array(values, dtype=np.int64) % bound  # a small key span and a large one
    codes, uniques = pd.factorize(keys, sort=True)
    rank, n = _dense_rank(keys)
    assert rank.dtype == np.int64
    np.testing.assert_array_equal(rank, codes)
    assert n == len(uniques)


def _first_seen_reference(
    owner: np.ndarray,
    okeys: list[str],
    kc: np.ndarray,
    kkeys: list[str],
    t: np.ndarray,
    hist: pd.DataFrame | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Per record the first time of its (owner, key) pair, and the merged table.

    Without history the table lists pairs in order of their first record; with history, the
    history's pairs come first (in its order) and then the new ones, as the pipeline merges.
    """
    ok = (kc >= 0) & (owner >= 0)
    frame = pd.DataFrame({"o": owner, "k": kc, "t": t})[ok]
    firsts = frame.groupby(["o", "k"], sort=False)["t"].min()
    table = pd.DataFrame(
        {
            "actor_id": [okeys[o] for o, _ in firsts.index],
            "key": [kkeys[k] for _, k in firsts.index],
            "first_t": firsts.to_numpy(dtype=np.int64),
        }
    )
    if hist is not None and len(hist):
        merged = pd.concat([hist, table], ignore_index=True)
        known = merged.groupby(["actor_id", "key"], sort=False, as_index=False)["first_t"].min()
        lookup = known.set_index(["actor_id", "key"])["first_t"]
        table = known
    else:
        lookup = table.set_index(["actor_id", "key"])["first_t"]
    first = np.full(len(t), -1, dtype=np.int64)
    for i in np.flatnonzero(ok):
        first[i] = lookup[(okeys[owner[i]], kkeys[kc[i]])]
    return first, table


@st.composite
def _first_seen_case(draw: st.DrawFn) -> tuple:
    n_owners = draw(st.sampled_from([1, 4, 300]))
    n_keys = draw(st.sampled_from([1, 6, 300]))  # 300 x 300 pairs: the hashing path
    n = draw(st.integers(0, 200))
    owner = np.array(draw(st.lists(st.integers(-1, n_owners - 1), min_size=n, max_size=n)))
    kc = np.array(draw(st.lists(st.integers(-1, n_keys - 1), min_size=n, max_size=n)))
    t = np.array(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)))
    hist = None
    if draw(st.booleans()):
        m = draw(st.integers(0, 30))
        pairs = draw(
            st.lists(
                st.tuples(st.integers(0, n_owners + 1), st.integers(0, n_keys + 1)),
                min_size=m,
                max_size=m,  # a pair may repeat (a hand-merged profile): the earliest counts
            )
        )
        hist = pd.DataFrame(
            {
                "actor_id": [f"a{o}" for o, _ in pairs],  # some owners/keys absent from data
                "key": [f"k{k}" for _, k in pairs],
                "first_t": draw(st.lists(st.integers(0, 10**6), min_size=m, max_size=m)),
            }
        ).astype({"first_t": np.int64})
    return (
        owner.astype(np.int64),
        [f"a{i}" for i in range(n_owners)],
        kc.astype(np.int64),
        [f"k{i}" for i in range(n_keys)],
        t.astype(np.int64),
        hist,
    )


@settings(max_examples=150, deadline=None)
@given(_first_seen_case())
def test_first_seen_matches_reference(case: tuple) -> None:
    owner, okeys, kc, kkeys, t, hist = case
    first, table = _first_seen(owner, pd.Index(okeys), kc, pd.Index(kkeys), t, hist, "actor_id")
    want_first, want_table = _first_seen_reference(owner, okeys, kc, kkeys, t, hist)
    np.testing.assert_array_equal(first, want_first)
    got = table().reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got.astype({"actor_id": object, "key": object}),
        want_table.astype({"actor_id": object, "key": object}).reset_index(drop=True),
        check_exact=True,
    )
