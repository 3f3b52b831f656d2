"""Near-duplicate clusters and group disputes among matters, as pure functions (no models, no database).

:func:`cluster` answers "is this the same dispute again?": two records are linked when they share a party
key (the keyed hash of a phone number or ID, compared by equality) or their texts' MinHash resemblance is
at least ``threshold``; and, in both cases, when both have a time they lie within ``window_days`` of each
other, and when both have a region the regions agree (on their first ``region_prefix`` characters when
given: 6 = the same county for a 12-digit division code). A missing time or region is unknown, so it does
not forbid a link. Clusters are the connected components of these links.

:func:`groups` answers "are many people complaining about one thing?" (wage arrears at one building
site, a lender collapsing): records are linked by the same party key (here the caller passes the
*counterparty's* key) or by a similar topic, within the window and the same place, and only components of
at least ``min_size`` distinct matters (near-duplicates of one matter count once) are returned.

Cluster ids are the id of the cluster's first member in input order ("this matter, and what repeats it"),
members keep input order, and clusters come in the order of their first member: the same input gives the
same output. Reasons are machine-readable strings: ``same_party``, ``similar_text:0.82`` (the weakest text
link found in the cluster), ``similar_topic:0.31``, ``same_region`` (every member has a region and they
agree), ``time_span_days:12`` (from the earliest to the latest member with a time), and for groups
``matters:7`` and ``keywords:欠薪,工地,…``.

Why the topic of a group is not near-duplicate similarity, and why character-bigram TF-IDF rather than
jieba keywords or a lower shingle threshold (measured on hand-written descriptions of one site, one
lender and one quarry by different people, against same-topic texts about other places, with the real
messages as background corpus): different people describing one site share almost no 3-shingles
(MinHash resemblance 0.02-0.05, no higher than unrelated texts on the same topic), so no shingle
threshold separates them. What they share is the site's or company's name and a few topic words. TF-IDF
weighting (fitted on the records being grouped, so a topic that fills the batch, such as wage arrears
in a batch of wage claims, weighs less) brings those names forward: the cosine of same-group pairs was
0.11-0.2 (median 0.16) and of different-group pairs at most 0.11 (95th percentile 0.03) with character
bigrams; jieba words did worse (different-group pairs up to 0.19) because jieba splits unknown names
inconsistently ("鑫源财富" vs "其在鑫源" + "财富"), and it is ten times slower. jieba is still used, on a
group's members only, for the human-readable ``keywords`` reason. ``TOPIC_THRESHOLD`` is deliberately
lenient because a group is a prompt for a person to look, and the window and the place must agree too.
On the real messages (no places, no parties) the two largest groups found are true group disputes (one
estate's parking spaces, one concrete plant), and the next two are one person's messages sharing a stock
opening, which a party key would have shown (see ``bench/bench_duplicates.py``). Links chain, so a group
can span more than the window; ``time_span_days`` says how much.

Scale (2 shared cores): cluster() takes about 40-60 s for 100,000 records (signatures are most of it) and
groups() about two minutes, with a peak of about 2.6 GB.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from suyuan.triage.minhash import (
    BANDS,
    DEFAULT_THRESHOLD,
    NUM_PERM,
    band_keys_matrix,
    canonical,
    signature_matrix,
)

TOPIC_THRESHOLD = 0.15
# Buckets (records sharing a band key, or a party) up to this size are checked pair by pair, vectorised;
# larger ones (boilerplate texts, a counterparty with hundreds of matters) member by member against the
# ones before it, so memory stays linear in the bucket's size.
SMALL_BUCKET = 32
PAIR_CHUNK = 65_536
# Topic candidates: each record's TOPIC_FEATURES highest-weighted bigrams; a bigram among the top
# features of more than max(TOPIC_MIN_CAP, TOPIC_CAP_SHARE * n) records finds no candidates (it is a
# topic word of the batch, and pairs through it would grow quadratically).
TOPIC_FEATURES = 24
TOPIC_MIN_CAP = 64
TOPIC_CAP_SHARE = 0.01
# A group's keywords are taken from at most this many of its members, evenly spread (jieba is slow).
KEYWORD_SAMPLE = 200
# The IDF of topic features counts at least this many documents: in a small batch (a county's week) the
# name of the site everyone writes about is in most texts, and batch IDF alone would weigh it as nothing.
TOPIC_MIN_DOCUMENTS = 1000

Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


@dataclass(frozen=True)
class Record:
    """One matter as the clustering sees it: ``party`` is a keyed hash (equality is all that is used),
    ``region`` a division code (compared on a prefix), ``time`` when it was received (a naive datetime is
    taken as UTC; mix naive and aware ones only if that is what they mean)."""

    id: str
    text: str
    party: str | None = None
    region: str | None = None
    time: datetime | None = None
    # The text's MinHash signature when the caller has it already (stored with the matter): not computed
    # again. It must be ``minhash.signature(text)``; None means "compute it".
    signature: npt.NDArray[np.uint64] | None = field(default=None, compare=False, repr=False)


@dataclass
class Cluster:
    id: str
    members: list[str]
    reasons: list[str] = field(default_factory=list)


class _Forest:
    """Union-find over record positions, keeping per component the evidence that joined it: whether a
    party link did, and the weakest similarity of the text or topic links that did."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.party = [False] * n
        self.weakest: list[float | None] = [None] * n

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.party[ra] = self.party[ra] or self.party[rb]
        self.weakest[ra] = _min_optional(self.weakest[ra], self.weakest[rb])
        return ra

    def note(self, i: int, *, party: bool, score: float | None) -> None:
        root = self.find(i)
        self.party[root] = self.party[root] or party
        self.weakest[root] = _min_optional(self.weakest[root], score)

    def components(self) -> dict[int, list[int]]:
        """Root -> member positions in input order, roots in order of their first member."""
        found: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            found.setdefault(self.find(i), []).append(i)
        return found


def _min_optional(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class _Facts:
    """What every link needs besides similarity: times (seconds, NaN when unknown) and region keys
    (an integer per distinct prefix, -1 when unknown), compared vectorised."""

    def __init__(self, records: Sequence[Record], window_days: int, region_prefix: int | None) -> None:
        if window_days < 0:
            raise ValueError("window_days must not be negative")
        if region_prefix is not None and region_prefix < 1:
            raise ValueError("region_prefix must be positive")
        self.window = float(window_days) * 86400.0
        self.times = np.array([_seconds(record.time) for record in records], dtype=np.float64)
        codes: dict[str, int] = {}
        regions = []
        for record in records:
            key = (record.region or "").strip()
            if key and region_prefix is not None:
                key = key[:region_prefix]
            regions.append(codes.setdefault(key, len(codes)) if key else -1)
        self.regions = np.array(regions, dtype=np.int64)

    def allows(self, pairs: Pairs) -> npt.NDArray[np.bool_]:
        return self.compatible(pairs[0], pairs[1])

    def compatible(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64] | int) -> npt.NDArray[np.bool_]:
        ta, tb = self.times[a], self.times[b]
        ra, rb = self.regions[a], self.regions[b]
        with np.errstate(invalid="ignore"):
            in_window = np.isnan(ta) | np.isnan(tb) | (np.abs(ta - tb) <= self.window)
        return np.asarray(in_window & ((ra < 0) | (rb < 0) | (ra == rb)), dtype=np.bool_)


def _seconds(moment: datetime | None) -> float:
    if moment is None:
        return math.nan
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _check_ids(records: Sequence[Record]) -> None:
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise ValueError(f"duplicate record id {record.id!r}")
        seen.add(record.id)


def _join(
    forest: _Forest,
    first: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64] | None,
    *,
    party: bool,
) -> None:
    for k, (a, b) in enumerate(zip(first.tolist(), second.tolist(), strict=True)):
        forest.union(a, b)
        forest.note(a, party=party, score=None if scores is None else float(scores[k]))


def _link_pairs(
    forest: _Forest,
    facts: _Facts,
    pairs: Pairs,
    score: Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.NDArray[np.float64]] | None,
    threshold: float,
    *,
    party: bool,
) -> None:
    """Verify candidate pairs (chunked, vectorised; the cheap time and region test first) and join the
    ones that hold."""
    first, second = pairs
    for start in range(0, first.size, PAIR_CHUNK):
        a, b = first[start : start + PAIR_CHUNK], second[start : start + PAIR_CHUNK]
        ok = facts.compatible(a, b)
        a, b = a[ok], b[ok]
        if score is None:
            _join(forest, a, b, None, party=party)
            continue
        scores = score(a, b)
        keep = scores >= threshold
        _join(forest, a[keep], b[keep], scores[keep], party=party)


def _link_block(
    forest: _Forest,
    facts: _Facts,
    members: npt.NDArray[np.int64],
    sigs: npt.NDArray[np.uint32] | None,
    threshold: float,
    *,
    party: bool,
) -> None:
    """Link a large bucket member by member against the members before it, with local labels so that
    the forest sees one union per member instead of one per linked pair."""
    k = members.size
    labels = np.arange(k)
    weakest = np.full(k, np.inf)
    block = sigs[members] if sigs is not None else None
    for pos in range(1, k):
        ok = facts.compatible(members[:pos], int(members[pos]))
        if block is not None:
            sims = np.count_nonzero(block[:pos] == block[pos], axis=1) / NUM_PERM
            ok &= sims >= threshold
        linked = np.flatnonzero(ok)
        if not linked.size:
            continue
        merged = np.unique(labels[linked])
        target = int(merged[0])
        low = float(weakest[merged].min())
        if block is not None:
            low = min(low, float(sims[linked].min()))
        labels[np.isin(labels, merged)] = target
        labels[pos] = target
        weakest[target] = low
    for pos in np.flatnonzero(labels != np.arange(k)).tolist():
        forest.union(int(members[pos]), int(members[labels[pos]]))
    for label in np.unique(labels[labels != np.arange(k)]).tolist():
        low = float(weakest[label])
        forest.note(int(members[label]), party=party, score=None if math.isinf(low) else low)


_NO_PAIRS: Pairs = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _unique_pairs(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> Pairs:
    """The pairs as (smaller, larger) position, each once, in a deterministic (sorted) order."""
    if not a.size:
        return _NO_PAIRS
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    width = int(hi.max()) + 1
    codes = np.unique(lo * width + hi)
    return codes // width, codes % width


@dataclass
class _Buckets:
    """Items grouped by a label: ``items[starts[k] : starts[k] + sizes[k]]`` is bucket k, in item order."""

    items: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]

    @classmethod
    def of(cls, labels: npt.NDArray[np.int64], items: npt.NDArray[np.int64]) -> _Buckets:
        order = np.lexsort((items, labels))
        sorted_labels = labels[order]
        breaks = np.flatnonzero(sorted_labels[1:] != sorted_labels[:-1]) + 1
        starts = np.concatenate([np.zeros(1, dtype=np.int64), breaks]).astype(np.int64)
        sizes = np.diff(np.concatenate([starts, [labels.size]])).astype(np.int64)
        return cls(items[order].astype(np.int64), starts, sizes)

    def pairs(self, max_size: int, keep: Callable[[Pairs], npt.NDArray[np.bool_]] | None = None) -> Pairs:
        """All pairs within the buckets of 2 to ``max_size`` items, vectorised per bucket size, and only
        those ``keep`` accepts: it is applied to slices of about ``PAIR_CHUNK`` pairs as they are made, so
        memory holds the kept pairs only."""
        firsts, seconds = [], []
        for size in np.unique(self.sizes[(self.sizes >= 2) & (self.sizes <= max_size)]).tolist():
            i, j = np.triu_indices(size, 1)
            starts = self.starts[self.sizes == size]
            step = max(1, PAIR_CHUNK // i.size)
            for offset in range(0, starts.size, step):
                block = self.items[starts[offset : offset + step, np.newaxis] + np.arange(size)]
                a, b = block[:, i].ravel(), block[:, j].ravel()
                if keep is not None:
                    kept = keep((a, b))
                    a, b = a[kept], b[kept]
                firsts.append(a)
                seconds.append(b)
        if not firsts:
            return _NO_PAIRS
        return np.concatenate(firsts), np.concatenate(seconds)

    def larger_than(self, max_size: int) -> list[npt.NDArray[np.int64]]:
        return [
            self.items[start : start + size]
            for start, size in zip(self.starts.tolist(), self.sizes.tolist(), strict=True)
            if size > max_size
        ]


def _link_parties(forest: _Forest, facts: _Facts, records: Sequence[Record]) -> None:
    codes: dict[str, int] = {}
    labels = [codes.setdefault(record.party, len(codes)) if record.party else -1 for record in records]
    items = np.flatnonzero(np.array(labels, dtype=np.int64) >= 0).astype(np.int64)
    if items.size < 2:
        return
    buckets = _Buckets.of(np.array(labels, dtype=np.int64)[items], items)
    _link_pairs(
        forest, facts, _unique_pairs(*buckets.pairs(SMALL_BUCKET, facts.allows)), None, 0.0, party=True
    )
    for members in buckets.larger_than(SMALL_BUCKET):
        _link_block(forest, facts, members, None, 0.0, party=True)


def _link_texts(
    forest: _Forest,
    facts: _Facts,
    sigs: npt.NDArray[np.uint32],
    mask: npt.NDArray[np.bool_],
    threshold: float,
) -> None:
    """LSH candidates (records sharing a band key in any band), verified by the signature estimate."""
    valid = np.flatnonzero(mask).astype(np.int64)
    if valid.size < 2:
        return
    keys = band_keys_matrix(sigs[valid])
    firsts, seconds = [], []
    large: dict[bytes, npt.NDArray[np.int64]] = {}
    for band in range(BANDS):
        buckets = _Buckets.of(keys[:, band], valid)
        a, b = buckets.pairs(SMALL_BUCKET, facts.allows)
        firsts.append(a)
        seconds.append(b)
        for members in buckets.larger_than(SMALL_BUCKET):
            large.setdefault(members.tobytes(), members)  # the same bucket recurs in many bands
    first, second = _unique_pairs(np.concatenate(firsts), np.concatenate(seconds))

    def score(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.count_nonzero(sigs[a] == sigs[b], axis=1) / NUM_PERM

    _link_pairs(forest, facts, (first, second), score, threshold, party=False)
    for members in large.values():
        _link_block(forest, facts, members, sigs, threshold, party=False)


def _signatures(records: Sequence[Record]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    missing = [i for i, record in enumerate(records) if record.signature is None]
    if len(missing) == len(records):
        computed, found = signature_matrix(record.text for record in records)
        return computed.astype(np.uint32), found
    sigs = np.zeros((len(records), NUM_PERM), dtype=np.uint32)
    mask = np.ones(len(records), dtype=np.bool_)
    for i, record in enumerate(records):
        if record.signature is not None:
            sigs[i] = record.signature
    if missing:
        computed, found = signature_matrix(records[i].text for i in missing)
        sigs[missing] = computed.astype(np.uint32)
        mask[missing] = found
    return sigs, mask


def _duplicate_forest(
    records: Sequence[Record],
    facts: _Facts,
    threshold: float,
    *,
    parties: bool,
) -> _Forest:
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    forest = _Forest(len(records))
    if parties:
        _link_parties(forest, facts, records)
    sigs, mask = _signatures(records)
    _link_texts(forest, facts, sigs, mask, threshold)
    return forest


def _common_reasons(facts: _Facts, members: list[int], forest: _Forest, root: int, kind: str) -> list[str]:
    reasons = []
    if forest.party[root]:
        reasons.append("same_party")
    weakest = forest.weakest[root]
    if weakest is not None:
        reasons.append(f"{kind}:{weakest:.2f}")
    regions = facts.regions[members]
    if (regions >= 0).all() and (regions == regions[0]).all():
        reasons.append("same_region")
    times = facts.times[members]
    times = times[~np.isnan(times)]
    if times.size >= 2:
        reasons.append(f"time_span_days:{math.ceil((times.max() - times.min()) / 86400.0)}")
    return reasons


def cluster(
    records: Sequence[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    window_days: int = 30,
    region_prefix: int | None = None,
) -> list[Cluster]:
    """Near-duplicate clusters: every record in exactly one cluster, singletons included (with no reasons).

    Signatures are computed once; text candidates come from LSH buckets, never from all pairs, so the
    work grows with the number of records plus the pairs that share a band (a bucket of k boilerplate
    texts costs k^2/2 signature comparisons, vectorised). Records without shingles (empty text) are linked
    by party only. Ids must be unique (``ValueError`` otherwise).
    """
    _check_ids(records)
    facts = _Facts(records, window_days, region_prefix)
    forest = _duplicate_forest(records, facts, threshold, parties=True)
    clusters = []
    for root, members in forest.components().items():
        reasons = _common_reasons(facts, members, forest, root, "similar_text") if len(members) > 1 else []
        clusters.append(
            Cluster(id=records[members[0]].id, members=[records[i].id for i in members], reasons=reasons)
        )
    return clusters


# --- group disputes -------------------------------------------------------------------------------------


def _topic_vectors(texts: Sequence[str]) -> Any:
    """Rows of L2-normalised TF-IDF weights of each text's canonical character bigrams (sublinear term
    frequency 1 + ln(tf), smoothed IDF ln((1 + max(n, TOPIC_MIN_DOCUMENTS)) / (1 + df)) + 1 fitted on these
    texts), as a scipy CSR matrix. Built with numpy: a Python analyzer in scikit-learn's vectoriser took most of the time.

    A bigram is packed from its two code points (each below 2^21); a one-character text is its own
    feature, packed with a zero.
    """
    from scipy.sparse import csr_matrix  # scikit-learn's own dependency

    docs, codes = [], []
    for i, text in enumerate(texts):
        points = np.frombuffer(canonical(text).encode("utf-32-le"), dtype="<u4").astype(np.int64)
        packed = points << 21 if points.size == 1 else (points[:-1] << 21) | points[1:]
        codes.append(packed)
        docs.append(np.full(packed.size, i, dtype=np.int64))
    n = len(texts)
    if not codes or not sum(code.size for code in codes):
        return csr_matrix((n, 0), dtype=np.float64)
    features, columns = np.unique(np.concatenate(codes), return_inverse=True)
    width = features.size
    cells, counts = np.unique(np.concatenate(docs) * width + columns.ravel(), return_counts=True)
    rows, cols = cells // width, cells % width
    idf = np.log((1.0 + max(n, TOPIC_MIN_DOCUMENTS)) / (1.0 + np.bincount(cols, minlength=width))) + 1.0
    data = (1.0 + np.log(counts)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    data /= norms[rows]
    return csr_matrix((data, (rows, cols)), shape=(n, width))


def _topic_pairs(
    texts: Sequence[str], facts: _Facts, threshold: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Pairs of records that may be linked (time and region) and whose topic vectors have a cosine at or
    above ``threshold``, with that cosine.

    Candidates are the pairs sharing one of their ``TOPIC_FEATURES`` strongest bigrams (a site's or a
    company's name is rare in a batch, so strong); a bigram strong for more than
    max(``TOPIC_MIN_CAP``, ``TOPIC_CAP_SHARE`` x n) records is the batch's topic, not a place's, and finds
    none (its pairs would grow quadratically).
    """
    vectors = _topic_vectors(texts)
    empty = np.zeros(0, dtype=np.int64)
    if vectors.nnz == 0:
        return empty, empty, np.zeros(0)
    rows = np.repeat(np.arange(vectors.shape[0], dtype=np.int64), np.diff(vectors.indptr))
    order = np.lexsort((-vectors.data, rows))  # each row's features, strongest first
    rank = np.arange(order.size) - vectors.indptr[rows[order]]
    strong = order[rank < TOPIC_FEATURES]
    buckets = _Buckets.of(vectors.indices[strong].astype(np.int64), rows[strong])
    cap = max(TOPIC_MIN_CAP, int(TOPIC_CAP_SHARE * vectors.shape[0]))
    first, second = _unique_pairs(*buckets.pairs(cap, facts.allows))
    cosines = np.zeros(first.size)
    step = PAIR_CHUNK // 8  # two gathered rows of some hundred weights per pair
    for start in range(0, first.size, step):
        a, b = first[start : start + step], second[start : start + step]
        cosines[start : start + step] = np.asarray(vectors[a].multiply(vectors[b]).sum(axis=1)).ravel()
    keep = cosines >= threshold
    return first[keep], second[keep], cosines[keep]


# Function words and the boilerplate of complaints, left out of a group's keywords.
_STOPWORD_TEXT = """
    我们 你们 他们 她们 它们 自己 这个 那个 这些 那些 这里 那里 这样 那样 什么 怎么 为什么 怎么办 没有 已经 现在
    因为 所以 但是 如果 还是 就是 可以 可能 应该 需要 希望 要求 请求 请问 领导 您好 你好 谢谢 感谢 问题 反映
    投诉 举报 相关 部门 有关 处理 解决 情况 一个 一下 一直 能否 是否 不能 不是 不会 时候 目前 今年 去年 多次
    尽快 市民 群众 本人 我家 来电 来电人 反映人 网格员 上报 工作 进行 我们的 而且 并且 还有 或者 以及 其中
    然后 之后 以后 以前 之前 对于 关于 通过 由于 为了 以上 以下 一些 很多 非常 特别 一样 只能 只是 不到 不了
    同时 表示 认为 告知 联系 电话 回复 答复 说明 知道 看到 出现 发生 存在 造成 导致 影响 严重
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORDLIKE = re.compile(r"[^\W\d_]")


@cache
def _jieba() -> tuple[Callable[[str], list[str]], dict[str, float], float]:
    """jieba's tokenizer and its general-corpus IDF table, loaded once (about a second)."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    table = jieba.analyse.default_tfidf
    return jieba.lcut, table.idf_freq, table.median_idf


def keywords(texts: Sequence[str], limit: int = 5) -> list[str]:
    """The words that best say what a set of texts is about: jieba words of two or more characters (not
    numbers, not stopwords), ranked by how many of the texts contain them times their general-corpus IDF
    (so 欠薪 beats 工作), ties by the word."""
    cut, idf, median = _jieba()
    counts: Counter[str] = Counter()
    for text in texts:
        normal = unicodedata.normalize("NFKC", text or "").lower()
        counts.update(
            {
                word
                for word in cut(normal)
                if len(word) >= 2 and _WORDLIKE.search(word) and word not in _STOPWORDS
            }
        )
    ranked = sorted(counts, key=lambda word: (-counts[word] * idf.get(word, median), word))
    return ranked[:limit]


def groups(
    records: Sequence[Record],
    *,
    min_size: int = 3,
    window_days: int = 30,
    region_prefix: int | None = None,
    topic_threshold: float = TOPIC_THRESHOLD,
    duplicate_threshold: float = DEFAULT_THRESHOLD,
    keyword_count: int = 5,
    containing: str | None = None,
) -> list[Cluster]:
    """Group disputes: components of records linked by the same ``party`` (pass the counterparty's key) or
    a similar topic (cosine of character-bigram TF-IDF at or above ``topic_threshold``), within
    ``window_days`` and agreeing regions, that hold at least ``min_size`` distinct matters: near-duplicates
    of one another (text resemblance at or above ``duplicate_threshold``, same rules as :func:`cluster`
    without the party) count once, so one citizen calling three times is not a group.

    Reasons add ``matters:N`` and ``keywords:…`` (see :func:`keywords`; none when ``keyword_count`` is 0)
    to those of :func:`cluster`, with ``similar_topic:X`` for the weakest topic link. With ``containing``
    (an id), only the group of that record is returned, if it has one: the question a new matter asks.
    Ids are unique (``ValueError`` otherwise).
    """
    if min_size < 2:
        raise ValueError("min_size must be at least 2")
    _check_ids(records)
    focus = None
    if containing is not None:
        focus = next((i for i, record in enumerate(records) if record.id == containing), None)
        if focus is None:
            raise ValueError(f"no record has the id {containing!r}")
    facts = _Facts(records, window_days, region_prefix)
    duplicates = _duplicate_forest(records, facts, duplicate_threshold, parties=False)
    forest = _Forest(len(records))
    _link_parties(forest, facts, records)
    first, second, cosines = _topic_pairs([record.text for record in records], facts, topic_threshold)
    _join(forest, first, second, cosines, party=False)
    found = []
    for root, members in forest.components().items():
        if focus is not None and forest.find(focus) != root:
            continue
        matters = len({duplicates.find(i) for i in members})
        if matters < min_size:
            continue
        reasons = _common_reasons(facts, members, forest, root, "similar_topic")
        reasons.append(f"matters:{matters}")
        if keyword_count > 0:
            sample = members[:: max(1, len(members) // KEYWORD_SAMPLE)][:KEYWORD_SAMPLE]
            words = keywords([records[i].text for i in sample], keyword_count)
            if words:
                reasons.append("keywords:" + ",".join(words))
        found.append(
            Cluster(id=records[members[0]].id, members=[records[i].id for i in members], reasons=reasons)
        )
    return found
