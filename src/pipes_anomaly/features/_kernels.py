"""Array kernels of the feature pipeline: codes, ranks, sorts, per-row counts, first-seen times.

Each works on NumPy arrays of integer codes (``-1`` for a missing value) and knows nothing
of actors or windows; several pick a faster path by the size of their inputs, with the
same result on either side (tests/test_features_kernels.py holds them to plain pandas).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

_Z_FLOOR = 0.5  # smallest scale of a robust z on log1p values
_Z_CLIP = 10.0  # largest robust z either way: farther out says nothing more
_IPV4_PREFIX = 16  # an IPv4 address's network: its /16
_IPV6_PREFIX = 48  # an IPv6 address's network: its /48 (one site)
#: A lookup table of this many cells is always cheap enough to build.
_TABLE_MIN_CELLS = 1 << 16
#: Distinct counts use a presence table of at most this many cells per counted record
#: (beyond, hashing the records is cheaper) and at most 64 MiB.
_TABLE_CELLS_PER_RECORD = 32
_TABLE_MAX_CELLS = 1 << 26
#: Dense ranks use a presence table while the keys span at most this many per record.
_RANK_CELLS_PER_RECORD = 4
_UINT16_MAX = int(np.iinfo(np.uint16).max)
_SLOT_MINUTES = 10  # the wider slot of the peak counts


def network_of(ip: str | None) -> str | None:
    """Return the /16 (IPv4) or /48 (IPv6) network of an address, None if not an address.

    Parameters
    ----------
    ip : str or None
        An IP address such as ``"159.196.168.218"``.

    Returns
    -------
    str or None
        E.g. ``"159.196.0.0/16"``.
    """
    if not isinstance(ip, str):
        return None
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    prefix = _IPV4_PREFIX if addr.version == 4 else _IPV6_PREFIX
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PLAIN_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"  # ASCII digits, no leading zeros


_IPV4_BLOCK = 8  # an IPv4 network's block: its /8 (an ISP or cloud provider's range)
_IPV6_BLOCK = 32  # an IPv6 network's block: its /32 (one ISP's allocation)


def block_of(network: str | None) -> str | None:
    """Return the /8 (IPv4) or /32 (IPv6) block of a network from :func:`network_of`.

    Parameters
    ----------
    network : str or None
        E.g. ``"159.196.0.0/16"``.

    Returns
    -------
    str or None
        E.g. ``"159.0.0.0/8"``; None when ``network`` is not a network.
    """
    if not isinstance(network, str):
        return None
    try:
        net = ipaddress.ip_network(network, strict=False)
    except ValueError:
        return None
    prefix = _IPV4_BLOCK if net.version == 4 else _IPV6_BLOCK
    return str(net.supernet(new_prefix=min(prefix, net.prefixlen)))


def _blocks(networks: pd.Index) -> pd.Series:
    """``block_of`` of each distinct network; dotted IPv4 networks done vectorised."""
    s = pd.Series(np.asarray(networks, dtype=object), dtype="str")
    plain = s.str.endswith(f".0.0/{_IPV4_PREFIX}").fillna(False).to_numpy(dtype=bool)
    out = np.empty(len(s), dtype=object)
    out[plain] = (s[plain].str.split(".", n=1, regex=False).str[0] + ".0.0.0/8").to_numpy(
        dtype=object
    )
    out[~plain] = [block_of(x) for x in s[~plain].to_numpy(dtype=object)]
    return pd.Series(out, dtype=object)


def _networks(ips: pd.Index) -> pd.Series:
    """``network_of`` of each distinct address; plain dotted IPv4 done vectorised."""
    s = pd.Series(np.asarray(ips, dtype=object), dtype="str")
    plain = s.str.fullmatch(_PLAIN_IPV4).fillna(False).to_numpy(dtype=bool)
    octets = s[plain].str.split(".", n=2, regex=False)
    out = np.empty(len(s), dtype=object)
    suffix = f".0.0/{_IPV4_PREFIX}"
    out[plain] = (octets.str[0] + "." + octets.str[1] + suffix).to_numpy(dtype=object)
    out[~plain] = [network_of(x) for x in s[~plain].to_numpy(dtype=object)]
    return pd.Series(out, dtype=object)


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Int64 codes (-1 for missing) and the distinct values, in order of appearance."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _nunique_per_row(rows: np.ndarray, codes: np.ndarray, n_rows: int) -> np.ndarray:
    """Distinct non-negative codes per row."""
    ok = codes >= 0
    n_ok = int(np.count_nonzero(ok))
    if not n_ok:
        return np.zeros(n_rows, dtype=np.float64)
    base = int(codes.max()) + 1
    # a presence table is cheaper than hashing while it stays small against the records
    limit = min(max(_TABLE_CELLS_PER_RECORD * n_ok, _TABLE_MIN_CELLS), _TABLE_MAX_CELLS)
    if n_rows * base <= limit:
        seen = np.zeros(n_rows * base, dtype=bool)
        seen[rows[ok] * base + codes[ok]] = True
        return np.count_nonzero(seen.reshape(n_rows, base), axis=1).astype(np.float64)
    keys = pd.unique(rows[ok] * base + codes[ok])  # hash-based, no sort
    return np.bincount(keys // base, minlength=n_rows).astype(np.float64)


def _dense_rank(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank of each non-negative key among the distinct keys (``pd.factorize(sort=True)``).

    Returns the ranks (int64) and the number of distinct keys. When the keys span at most
    four per record, a presence table and its running count replace hashing and sorting.
    """
    small = max(_RANK_CELLS_PER_RECORD * len(keys), _TABLE_MIN_CELLS)
    if len(keys) and 0 <= int(keys.min()) and int(keys.max()) < small:
        present = np.zeros(int(keys.max()) + 1, dtype=bool)
        present[keys] = True
        rank = np.cumsum(present, dtype=np.int32) - 1  # fewer than 2**31 cells
        return rank[keys].astype(np.int64), int(rank[-1]) + 1
    codes, uniques = pd.factorize(keys, sort=True)
    return codes.astype(np.int64, copy=False), len(uniques)


def _stable_argsort(codes: np.ndarray) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` for non-negative integer codes.

    Codes that fit 16 bits are sorted as 16-bit integers, which NumPy sorts by radix
    instead of by comparisons.
    """
    if len(codes) and 0 <= int(codes.min()) and int(codes.max()) <= _UINT16_MAX:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    return np.argsort(codes, kind="stable")


def _run_starts(sorted_keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """Start positions of the runs of equal key tuples in arrays sorted by those keys."""
    n = len(sorted_keys[0])
    brk = np.zeros(n, dtype=bool)
    if n:
        brk[0] = True
        for k in sorted_keys:
            brk[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(brk)


def _peak_counts(
    row_o: np.ndarray, minute_o: np.ndarray, action_o: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Most records per row in one minute, in one 10-minute slot, and of one action in a minute.

    The inputs are per record, ordered by row then time (so minutes ascend within a row):
    runs of equal (row, minute) are then contiguous and no hashing of a million keys is needed.
    """
    n = len(row_o)
    peaks, runs = [], []
    for slot in (minute_o, minute_o // _SLOT_MINUTES):
        starts = _run_starts((row_o, slot))
        lens = np.diff(np.append(starts, n))
        out = np.zeros(n_rows)
        np.maximum.at(out, row_o[starts], lens.astype(np.float64))
        peaks.append(out)
        runs.append((starts, lens))
    # one action within a minute: only minutes holding two or more records can exceed one
    starts, lens = runs[0]
    same = np.minimum(peaks[0], 1.0)
    run_of = np.repeat(np.arange(len(starts)), lens)
    busy = lens[run_of] >= 2
    if busy.any():
        n_actions = int(action_o.max()) + 2  # codes from -1, shifted up by one
        keys, counts = np.unique(run_of[busy] * n_actions + action_o[busy] + 1, return_counts=True)
        np.maximum.at(same, row_o[starts[keys // n_actions]], counts.astype(np.float64))
    return peaks[0], peaks[1], same


def _first_seen(
    owner: np.ndarray,
    owner_index: pd.Index,
    kc: np.ndarray,
    k_index: pd.Index,
    t: np.ndarray,
    hist: pd.DataFrame | None,
    owner_col: str,
) -> tuple[np.ndarray, Callable[[], pd.DataFrame]]:
    """First time of each (owner, key) pair over history and the data, per record.

    Returns the per-record first time (int64 ns, -1 when key missing) and a function that
    builds the merged first-seen table (owner_col, key, first_t) for the next profile
    (only a profile needs it, so scoring does not pay for it).
    """
    ok = (kc >= 0) & (owner >= 0)
    n_ok = int(np.count_nonzero(ok))
    base = max(len(k_index), 1)
    n_pairs = len(owner_index) * base
    big = np.iinfo(np.int64).max
    first = np.full(len(t), -1, dtype=np.int64)
    pair = owner[ok] * base + kc[ok]
    hist_rows = hist if hist is not None and len(hist) else None
    if hist_rows is not None:
        ho = owner_index.get_indexer(hist_rows[owner_col])
        hk = k_index.get_indexer(hist_rows["key"])
        inside = (ho >= 0) & (hk >= 0)
        hp = ho[inside] * base + hk[inside]
        hist_first = hist_rows["first_t"].to_numpy(dtype=np.int64)[inside]
    if n_ok and n_pairs <= max(n_ok, _TABLE_MIN_CELLS):
        # few possible pairs: a table indexed by pair (no hashing)
        by_pair = np.full(n_pairs, big, dtype=np.int64)
        np.minimum.at(by_pair, pair, t[ok])
        if hist_rows is not None:
            np.minimum.at(by_pair, hp, hist_first)
        first[ok] = by_pair[pair]

        def compact() -> tuple[np.ndarray, np.ndarray]:  # pairs in order of first record
            first_rec = np.full(n_pairs, n_ok, dtype=np.int64)
            np.minimum.at(first_rec, pair, np.arange(n_ok, dtype=np.int64))
            keys = np.flatnonzero(first_rec < n_ok)
            keys = keys[np.argsort(first_rec[keys], kind="stable")]
            return keys, by_pair[keys]
    else:
        if n_ok:
            codes, pair_keys = pd.factorize(pair)
            pair_first = np.full(len(pair_keys), big, dtype=np.int64)
            np.minimum.at(pair_first, codes, t[ok])
        else:
            pair_keys = np.zeros(0, np.int64)
            pair_first = np.zeros(0, np.int64)
        if hist_rows is not None:
            pos = pd.Index(pair_keys).get_indexer(hp)
            hit = pos >= 0
            np.minimum.at(pair_first, pos[hit], hist_first[hit])
        if n_ok:
            first[ok] = pair_first[codes]

        def compact() -> tuple[np.ndarray, np.ndarray]:
            return pair_keys, pair_first

    @functools.cache
    def table() -> pd.DataFrame:
        pair_keys, pair_first = compact()
        out = pd.DataFrame(
            {
                owner_col: np.asarray(owner_index, dtype=object)[pair_keys // base],
                "key": np.asarray(k_index, dtype=object)[pair_keys % base],
                "first_t": pair_first,
            }
        )
        if hist_rows is not None:
            out = (
                pd.concat([hist_rows[[owner_col, "key", "first_t"]], out], ignore_index=True)
                .groupby([owner_col, "key"], sort=False, as_index=False)["first_t"]
                .min()
            )
        return out

    return first, table


def _robust_z(x: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(x - center) / scale`` with a floor on the scale, 0 where undefined, clipped."""
    z = (x - center) / np.maximum(scale, _Z_FLOOR)
    return np.clip(np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0), -_Z_CLIP, _Z_CLIP)


def _log1p(x: np.ndarray) -> np.ndarray:
    """``log(1 + x)`` as float64."""
    return np.log1p(np.asarray(x, dtype=np.float64))


def _exclusive_cumsum(values: np.ndarray, block_start: np.ndarray) -> np.ndarray:
    """Per-block cumulative sum of the rows strictly before each row (2-D values).

    Integer values are summed as integers (exact, and faster than floats).
    """
    csum = np.cumsum(values, axis=0)
    offset = csum[np.maximum(block_start - 1, 0)]
    offset[block_start == 0] = 0
    csum -= values
    csum -= offset
    return csum


class _EarlierRows(BaseIndexer):
    """Rolling windows over the rows of the same block strictly before each row."""

    def __init__(self, block_start: np.ndarray) -> None:
        super().__init__()
        self.block_start = block_start

    def get_window_bounds(
        self,
        num_values: int = 0,
        min_periods: int | None = None,
        center: bool | None = None,
        closed: str | None = None,
        step: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (exclusive) of each row's window."""
        return self.block_start.astype(np.int64), np.arange(num_values, dtype=np.int64)
