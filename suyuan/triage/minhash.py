"""MinHash signatures of a matter's text, and the LSH band keys that find its near-duplicates.

One dispute often reaches the platform several times: the citizen calls the hotline, files online, and a
grid worker reports it. The texts differ (an operator's wrapper, a summary, re-typed characters) but share
most of their wording, so the resemblance of their sets of character 3-shingles stays high. A MinHash
signature estimates that resemblance from 128 numbers per text, and locality-sensitive hashing turns the
search for similar signatures into equality look-ups on band keys, which a database index can serve.

Choices, and why:

* Character shingles of ``SHINGLE_SIZE`` = 3 on :func:`canonical` text. Chinese needs no word segmentation
  for this (segmenters disagree with themselves on re-typed or variant characters); 3 characters are
  specific enough that unrelated messages share few shingles (1- and 2-grams are shared by nearly every
  complaint), short enough that one re-typed character only spoils 3 shingles.
* datasketch's ``MinHash`` with the permutation scheme, the seed and the input hash all pinned
  (``affine32``, ``SEED``, and our own numpy hash of each shingle), never datasketch's defaults:
  signatures are stored and compared across processes and releases, so a change of default in a
  datasketch upgrade must not silently change them. ``test_minhash.py`` pins a golden signature, so such
  a change fails a test instead. 32-bit hash values are ample for sets of a few thousand shingles
  (datasketch advises ``affine64`` only for sets of about 10^8 elements) and halve the stored size; the
  interface still hands out ``uint64`` arrays. Shingles are hashed with numpy rather than datasketch's
  per-shingle SHA-1, which took three quarters of the time.
* ``DEFAULT_THRESHOLD`` = 0.4, from ``bench/bench_duplicates.py`` on real messages with realistic edits:
  at 0.4 the re-submissions are found with recall 0.90 (re-typed 0.99, an operator's wrapper 1.00, a
  grid worker's summary 0.84, truncated 0.90, all edits at once 0.71) against 0.83 at 0.5, and no random
  pair of different messages reaches it at either. Raising it mostly loses re-typed and truncated copies;
  lowering it to 0.3 gains little because LSH, not the threshold, then limits recall.
* ``BANDS`` x ``ROWS`` = 32 x 4, which is also what datasketch's ``_optimal_param`` picks for a threshold
  of 0.4 with 128 permutations. Texts of resemblance *s* share a band with probability
  1 - (1 - s^4)^32: 0.56 at 0.4, 0.87 at 0.5, 0.99 at 0.6, and 0.05 at 0.2, 0.003 at 0.1, so unrelated
  texts almost never become candidates and a look-up verifies a dozen candidates among a million matters.
  64 x 2 would find 2 points more of the re-submissions in the benchmark, but makes half of the pairs at
  resemblance 0.1 (texts sharing a few stock phrases) candidates and doubles the band-key rows stored
  per matter; 16 x 8 would miss a third of the pairs at 0.6.
* Band keys are 64-bit hashes computed with numpy from the band's rows and its number, because a million
  signatures need 32 million keys and hashing them one by one in Python takes minutes. The mixing is
  MurmurHash3's fmix64 (fixed arithmetic on unsigned 64-bit integers: no ``hash()``, no per-process salt),
  so keys are the same in every process and on every machine; a golden test pins them too.

An empty text (or one of only whitespace and punctuation) has no shingles and so no signature:
:func:`signature` raises :class:`EmptyTextError` (a ``ValueError``) for it, and callers skip such records
for text similarity (they can still be linked by party). Returning ``None`` instead would make every
caller handle an optional array; the bulk helper :func:`signature_matrix` returns a mask instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

NUM_PERM = 128
SHINGLE_SIZE = 3
BANDS = 32
ROWS = 4
SEED = 20261129
SCHEME = "affine32"
DEFAULT_THRESHOLD = 0.4

if BANDS * ROWS != NUM_PERM:  # pragma: no cover - a guard for whoever changes the constants
    raise ImportError("BANDS x ROWS must equal NUM_PERM")

Signature = npt.NDArray[np.uint64]

# The permutations depend only on the seed: drawn once, shared by every MinHash (datasketch draws them
# again for each MinHash otherwise, which costs more than hashing a short text).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations

# Everything but letters and digits (of any script); "_" counts as a word character for \w, so it is named.
_NOT_ALNUM = re.compile(r"[\W_]+")

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_FMIX_C1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(33)
_SHIFT_21 = np.uint64(21)
_SHIFT_42 = np.uint64(42)
_M32 = np.uint64(0xFFFFFFFF)
_SHINGLE_SALT = np.uint64(0x53555955414E3331)  # "SUYUAN31": any fixed value; changing it changes signatures


def _fmix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's 64-bit finalizer, element-wise on an array (array arithmetic wraps modulo 2^64
    silently, which is what is meant; numpy only warns for scalars, so callers pass arrays)."""
    h = h ^ (h >> _SHIFT)
    h = h * _FMIX_C1
    h = h ^ (h >> _SHIFT)
    h = h * _FMIX_C2
    return h ^ (h >> _SHIFT)


class EmptyTextError(ValueError):
    """The text has no shingles (empty, or only whitespace and punctuation), so it has no signature."""


def canonical(text: str) -> str:
    """The text as compared: NFKC (full-width forms become ASCII, compatibility variants their usual form),
    lower case, and only letters and digits of any script kept (``str.isalnum``): whitespace, punctuation of
    any script, symbols (``$+<=>^`|~``, ￥, ★, emoji) and control or zero-width characters are dropped,
    because they vary freely between channels and say nothing about whether two texts tell the same dispute.

    Never fails: ``None`` or a non-string is treated as its ``str()``, so a stray value in an import cannot
    stop a batch.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not unicodedata.is_normalized("NFKC", text):  # a quick check; normalising is the slow part
        text = unicodedata.normalize("NFKC", text)
    return _NOT_ALNUM.sub("", text.lower())


def shingles(text: str) -> set[str]:
    """The set of character ``SHINGLE_SIZE``-grams of the canonical text; a canonical text shorter than
    that is its own single shingle (so "欠薪" still matches "欠薪"), and an empty one gives the empty set."""
    canon = canonical(text)
    if len(canon) < SHINGLE_SIZE:
        return {canon} if canon else set()
    return {canon[i : i + SHINGLE_SIZE] for i in range(len(canon) - SHINGLE_SIZE + 1)}


def _shingle_hashes(text: str) -> list[int]:
    """32-bit hashes of the text's distinct shingles, computed with numpy (SHA-1 per shingle in Python
    was three quarters of the time of a signature).

    A shingle's three code points (each below 2^21) are packed into one 63-bit integer, which is exact, so
    equal shingles and only they have equal packed values; a shorter text is packed with zeros, which no
    canonical character is. The packed value goes through fmix64 and keeps its low 32 bits.
    """
    canon = canonical(text)
    if not canon:
        return []
    points = np.frombuffer(canon.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if points.size < SHINGLE_SIZE:
        points = np.concatenate([points, np.zeros(SHINGLE_SIZE - points.size, dtype=np.uint64)])
    count = points.size - SHINGLE_SIZE + 1
    packed = (points[:count] << _SHIFT_42) | (points[1 : count + 1] << _SHIFT_21) | points[2 : count + 2]
    packed.sort()  # np.unique is several times slower on arrays this small
    distinct = packed[np.concatenate([[True], packed[1:] != packed[:-1]])]
    hashed = _fmix64(distinct ^ _SHINGLE_SALT) & _M32
    return hashed.tolist()


def _prehashed(value: int) -> int:
    """datasketch's ``hashfunc`` for values that :func:`_shingle_hashes` has hashed already."""
    return value


def signature(text: str) -> Signature:
    """The MinHash signature of ``shingles(text)``: ``NUM_PERM`` values (each below 2^32) as ``uint64``.

    The same text gives the same signature in every process and, as long as the golden test passes, in
    every release. Raises :class:`EmptyTextError` when the text has no shingles.
    """
    hashes = _shingle_hashes(text)
    if not hashes:
        raise EmptyTextError("the text has no shingles (empty, or only whitespace and punctuation)")
    minhash = MinHash(
        num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=_prehashed, permutations=_PERMUTATIONS
    )
    minhash.update_batch(hashes)
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


def signature_matrix(texts: Iterable[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Signatures of many texts as one ``(n, NUM_PERM)`` array, and a mask of the texts that have one.

    Rows of texts without shingles are all zeros and ``False`` in the mask: bulk callers (clustering,
    benchmarks) skip them instead of catching an exception per text.
    """
    rows: list[Signature] = []
    mask: list[bool] = []
    empty = np.zeros(NUM_PERM, dtype=np.uint64)
    for text in texts:
        try:
            rows.append(signature(text))
            mask.append(True)
        except EmptyTextError:
            rows.append(empty)
            mask.append(False)
    if not rows:
        return np.zeros((0, NUM_PERM), dtype=np.uint64), np.zeros(0, dtype=np.bool_)
    return np.vstack(rows), np.asarray(mask, dtype=np.bool_)


def _check(sig: npt.ArrayLike) -> Signature:
    array = np.asarray(sig)
    if array.shape != (NUM_PERM,):
        raise ValueError(f"a signature has {NUM_PERM} values, not shape {array.shape}")
    return array.astype(np.uint64, copy=False)


def signature_bytes(sig: npt.ArrayLike) -> bytes:
    """The signature as ``NUM_PERM`` little-endian 32-bit values (512 bytes), for a ``BinaryField``."""
    array = _check(sig)
    if array.size and int(array.max()) > 0xFFFFFFFF:
        raise ValueError("a signature's values are 32-bit")
    return array.astype("<u4").tobytes()


def signature_from_bytes(b: bytes) -> Signature:
    """The signature stored by :func:`signature_bytes`, as a fresh (writable) ``uint64`` array."""
    if len(b) != NUM_PERM * 4:
        raise ValueError(f"a stored signature has {NUM_PERM * 4} bytes, not {len(b)}")
    return np.frombuffer(bytes(b), dtype="<u4").astype(np.uint64)


def similarity(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """The MinHash estimate of the Jaccard resemblance of the two texts' shingle sets, in [0, 1]: the share
    of positions where the signatures agree (standard error about 0.044 at 0.5 with 128 values)."""
    return float(np.count_nonzero(_check(a) == _check(b))) / NUM_PERM


# One constant per band, so that equal rows in different bands give different keys.
_BAND_SALTS = _fmix64((np.arange(1, BANDS + 1, dtype=np.uint64) * _GOLDEN) & _M64)


def band_keys_matrix(sigs: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Band keys of many signatures: an ``(n, BANDS)`` array of signed 64-bit integers (see
    :func:`band_keys`)."""
    matrix = np.asarray(sigs)
    if matrix.ndim != 2 or matrix.shape[1] != NUM_PERM:
        raise ValueError(f"expected an (n, {NUM_PERM}) array of signatures, not shape {matrix.shape}")
    rows = matrix.astype(np.uint64, copy=False).reshape(matrix.shape[0], BANDS, ROWS)
    h = np.broadcast_to(_BAND_SALTS, (matrix.shape[0], BANDS)).copy()
    for r in range(ROWS):
        h = _fmix64(h ^ _fmix64(rows[:, :, r] + _GOLDEN))
    return h.view(np.int64)


def band_keys(sig: npt.ArrayLike) -> list[int]:
    """The signature's ``BANDS`` LSH keys, one signed 64-bit integer per band (fits a ``BigIntegerField``).

    Two signatures share a key in band *i* exactly when their rows of band *i* are equal (up to 64-bit hash
    collisions, which only add a candidate that verification then drops); the band's number is mixed in,
    so equal rows in different bands give different keys. Stable across processes and machines.
    """
    return [int(key) for key in band_keys_matrix(_check(sig)[np.newaxis, :])[0]]


class BandIndex:
    """An in-memory LSH index of signatures by band key, for clustering, tests and benchmarks (the platform
    keeps the same keys in a database table instead).

    All band keys live in one sorted ``int64`` array (the band number is mixed into each key, so bands
    need no separate tables) with the row each came from; a look-up is one ``searchsorted`` for the query's
    ``BANDS`` keys. Recent single :meth:`add` calls go to a small pending buffer that is scanned linearly
    and merged into the sorted array when it fills, so adding and querying can alternate cheaply;
    :meth:`add_many` adds a whole batch with one sort. Signatures are kept as ``uint32`` (their values are
    32-bit) for :meth:`similar`'s vectorised verification: a million take 512 MB.
    """

    PENDING_CAPACITY = 4096

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._known: set[str] = set()
        self._sigs = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._sorted_keys = np.zeros(0, dtype=np.int64)
        self._sorted_rows = np.zeros(0, dtype=np.int32)
        self._pending_sigs = np.zeros((self.PENDING_CAPACITY, NUM_PERM), dtype=np.uint32)
        self._pending_bands = np.zeros((self.PENDING_CAPACITY, BANDS), dtype=np.int64)
        self._pending = 0

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def add(self, key: str, sig: npt.ArrayLike) -> None:
        """Index one signature under ``key``; a key can be added once (``ValueError`` otherwise)."""
        array = _check(sig)
        if key in self._known:
            raise ValueError(f"key {key!r} is already in the index")
        if self._pending == self.PENDING_CAPACITY:
            self._merge_pending()
        self._pending_sigs[self._pending] = array
        self._pending_bands[self._pending] = band_keys_matrix(array[np.newaxis, :])[0]
        self._pending += 1
        self._keys.append(key)
        self._known.add(key)

    def add_many(self, keys: Sequence[str], sigs: npt.ArrayLike) -> None:
        """Index many signatures at once (one sort instead of one merge per ``PENDING_CAPACITY`` adds).
        ``sigs`` is an ``(n, NUM_PERM)`` array in the order of ``keys``."""
        matrix = np.asarray(sigs)
        if matrix.ndim != 2 or matrix.shape != (len(keys), NUM_PERM):
            raise ValueError(f"expected a ({len(keys)}, {NUM_PERM}) array, not shape {matrix.shape}")
        new = set(keys)
        if len(new) != len(keys) or not new.isdisjoint(self._known):
            raise ValueError("keys must be unique and not in the index yet")
        self._merge_pending()
        first = len(self._keys)
        # In slices: band_keys_matrix works on uint64 copies, 1 KB a signature.
        bands = np.concatenate(
            [band_keys_matrix(matrix[start : start + 65_536]) for start in range(0, len(keys), 65_536)]
            or [np.zeros((0, BANDS), dtype=np.int64)]
        )
        self._keys.extend(keys)
        self._known |= new
        self._sigs = np.concatenate([self._sigs, matrix.astype(np.uint32)])
        self._extend_sorted(first, bands)

    def _merge_pending(self) -> None:
        if not self._pending:
            return
        count = self._pending
        first = len(self._keys) - count
        self._sigs = np.concatenate([self._sigs, self._pending_sigs[:count]])
        self._extend_sorted(first, self._pending_bands[:count])
        self._pending = 0

    def _extend_sorted(self, first: int, bands: npt.NDArray[np.int64]) -> None:
        rows = np.repeat(np.arange(first, first + bands.shape[0], dtype=np.int32), BANDS)
        keys = np.concatenate([self._sorted_keys, bands.reshape(-1)])
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        self._sorted_rows = np.concatenate([self._sorted_rows, rows])[order]

    def _candidate_rows(self, sig: Signature) -> npt.NDArray[np.int64]:
        query = band_keys_matrix(sig[np.newaxis, :])[0]
        found: list[npt.NDArray[np.int64]] = []
        if self._sorted_keys.size:
            left = np.searchsorted(self._sorted_keys, query, side="left")
            right = np.searchsorted(self._sorted_keys, query, side="right")
            for lo, hi in zip(left.tolist(), right.tolist(), strict=True):
                if hi > lo:
                    found.append(self._sorted_rows[lo:hi].astype(np.int64))
        if self._pending:
            hits = np.flatnonzero((self._pending_bands[: self._pending] == query).any(axis=1))
            if hits.size:
                found.append(hits + (len(self._keys) - self._pending))
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def query(self, sig: npt.ArrayLike) -> set[str]:
        """Keys of the indexed signatures that share at least one band with ``sig``: the LSH candidates,
        not yet verified (see :meth:`similar`)."""
        return {self._keys[row] for row in self._candidate_rows(_check(sig)).tolist()}

    def _row_sigs(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
        settled = len(self._keys) - self._pending
        out = np.empty((rows.size, NUM_PERM), dtype=np.uint32)
        old = rows < settled
        out[old] = self._sigs[rows[old]]
        out[~old] = self._pending_sigs[rows[~old] - settled]
        return out

    def similar(self, sig: npt.ArrayLike, threshold: float = DEFAULT_THRESHOLD) -> list[tuple[str, float]]:
        """Candidates verified by the signature estimate: ``(key, similarity)`` at or above ``threshold``,
        most similar first (ties by order of adding)."""
        array = _check(sig)
        rows = self._candidate_rows(array)
        if not rows.size:
            return []
        sims = (self._row_sigs(rows) == array.astype(np.uint32)).sum(axis=1) / NUM_PERM
        keep = np.flatnonzero(sims >= threshold)
        ranked = sorted(keep.tolist(), key=lambda i: (-sims[i], rows[i]))
        return [(self._keys[int(rows[i])], float(sims[i])) for i in ranked]
