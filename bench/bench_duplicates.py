"""Benchmark near-duplicate detection and grouping (suyuan.triage.minhash, suyuan.triage.clustering) on
real citizens' messages.

Run from the project root: ``.venv/bin/python bench/bench_duplicates.py``. The messages live outside the
project: ``<project>/../shared/data/appeals/messages.csv``, or ``$SUYUAN_SHARED_DATA/appeals/messages.csv``
(columns id,user,subject,time,text,dislikes,likes). Without them the benchmark says so and exits 0. They
are real personal text: this script prints figures only (and a group's top keywords, only those found in
messages of at least five different users), and writes nothing anywhere.

1. Near-duplicates. Each of seven seeded edits is applied to 500 messages: ``retype`` (variant or
   homophone characters, full-width digits and letters, changed or dropped punctuation), ``hotline`` (an
   operator's "来电人反映：……，请求相关部门处理。" with the first person turned to the third), ``grid`` (a grid
   worker's summary: the first sentence and the two longest others, with the worker's own words around),
   ``added`` (one or two sentences of another message), ``dropped`` (one or two sentences left out),
   ``truncated`` (the first 40-80% kept) and ``mixed`` (dropped, then retyped, then wrapped by the hotline).
   Positives are (original, edited); negatives are random pairs of messages by different users with
   different texts, and "hard" negatives by different users whose subjects share at least 30% of their
   character bigrams. A pair is
   called a duplicate when it shares an LSH band and its signature similarity is at or above the
   threshold, as in production.
2. Look-up time at 100,000 and 1,000,000 indexed signatures (see ``build_index`` for how they are made).
3. cluster() and groups() on all the messages with their times (no party, no region), and cluster() on
   20,000 records for its run time.

What it found (one run on 2 cores shared with other work, so times vary by a factor of up to two):

* signature() computes 2,000-3,000 signatures a second for messages of 351 characters on average.
* At ``DEFAULT_THRESHOLD`` = 0.4 the re-submissions are found with recall 0.89: re-typed 0.99, the
  hotline's wrapper 1.00, sentences dropped 0.93, truncated 0.90, sentences added 0.86, the grid worker's
  summary 0.84, all edits at once 0.71. No random pair of different users' messages is called a
  duplicate (0 of 20,000; LSH makes none of them even a candidate). Of the same-subject pairs by
  different users 11% are: 50 of 893 are one text posted by different users (similarity >= 0.9) and most
  of the others share whole paragraphs, i.e. co-signed or templated complaints. The data has no labels to
  tell these from true "different matters"; on the platform they are a group, which groups() is for.
  Recall below 0.5 is limited by LSH (a pair at 0.4 shares one of the 32 bands with probability 0.56),
  which is why 0.3 gains little.
* Look-up (query() and verification by similar()) takes about 0.2 ms at the median and under 1 ms at the
  95th percentile with 100,000 and 1,000,000 signatures indexed; the 99th percentile at a million reached
  4 ms in this run (the machine was busy). A query meets about 13 candidates among a million. The million
  are built with add_many in about 30 s and take about 0.9 GB of arrays.
* cluster() on the real messages (30-day window) finds 265 clusters of two or more messages, 144 of them
  wholly one user's reposts; the largest have 5 messages. groups() finds 60 groups of at least 3
  distinct matters. The two largest are true group disputes: about 54 users over two months about the
  parking spaces of one estate, and about 49 users over four months about a concrete mixing plant near
  an estate. The third and fourth are one prolific user's messages sharing a stock opening: with party
  keys (the platform has them) that is a repeat visitor, not a group. Groups chain through the window
  (spans of 58 to 127 days with a 30-day window), and their weakest topic link sits at the threshold
  (0.15), as chained components' do: a group is a prompt for a person to look, with its members listed.
"""

from __future__ import annotations

import csv
import gc
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from suyuan.triage import minhash  # noqa: E402
from suyuan.triage.clustering import Record, cluster, groups, keywords  # noqa: E402

SEED = 20261129
PER_EDIT = 500
RANDOM_NEGATIVES = 20_000
HARD_NEGATIVES = 5_000
QUERIES = 1_000
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
MIN_USERS_FOR_A_KEYWORD = 5

# Variant (traditional) and homophone characters a re-typing citizen or operator produces.
_VARIANT_PAIRS = (
    "的:地 地:的 得:的 在:再 再:在 做:作 已:以 以:已 那:哪 他:她 象:像 像:象 帐:账 账:帐 号:號 里:裏 么:麼 "
    "台:臺 后:後 发:發 说:說 门:門 们:們 个:個 为:為 这:這 来:來 时:時 会:會 对:對 于:於 没:沒 还:還 "
    "过:過 问:問 题:題 车:車 电:電 话:話 区:區 县:縣 业:業 长:長 务:務 经:經 费:費 钱:錢 给:給 楼:樓 "
    "小:晓 进:近 近:进 到:道 道:到 是:事 事:是 部:步 处:除 反:返 映:应 应:映 请:清 情:请 况:況 工:公 公:工"
)
VARIANTS = dict(pair.split(":") for pair in _VARIANT_PAIRS.split())
PUNCTUATION = "，。！？、；：,.!?;: "


def data_file() -> Path:
    base = os.environ.get("SUYUAN_SHARED_DATA")
    directory = Path(base) if base else ROOT.parent / "shared" / "data"
    return directory / "appeals" / "messages.csv"


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[。！？!?；;\n])", text) if part.strip()]


def retype(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        if ch in VARIANTS and rng.random() < 0.35:
            out.append(VARIANTS[ch])
        elif ch.isascii() and ch.isalnum() and rng.random() < 0.5:
            out.append(chr(ord(ch) + 0xFEE0))  # full-width form
        elif ch in PUNCTUATION and rng.random() < 0.5:
            out.append(rng.choice(["", " ", ",", "。", "!", "，"]))
        else:
            out.append(ch)
    return "".join(out)


def hotline(text: str, rng: random.Random) -> str:
    body = re.sub("我", lambda _: "其" if rng.random() < 0.7 else "我", text.strip().rstrip("。！!"))
    return f"来电人反映：{body}，请求相关部门处理。"


def grid(text: str, rng: random.Random) -> str:
    parts = sentences(text)
    keep = {0} | set(sorted(range(1, len(parts)), key=lambda i: -len(parts[i]))[:2])
    body = "".join(parts[i] for i in sorted(keep))
    return rng.choice(["网格员上报：", "经网格员走访了解，"]) + body + "已登记，待处理。"


def truncated(text: str, rng: random.Random) -> str:
    return text[: max(1, int(len(text) * rng.uniform(0.4, 0.8)))]


def dropped(text: str, rng: random.Random) -> str:
    parts = sentences(text)
    for _ in range(min(rng.choice([1, 2]), len(parts) - 2)):
        parts.pop(rng.randrange(len(parts)))
    return "".join(parts)


def make_added(texts: list[str]) -> Callable[[str, random.Random], str]:
    def added(text: str, rng: random.Random) -> str:
        other = sentences(rng.choice(texts)) or ["补充说明。"]
        extra = "".join(rng.sample(other, min(len(other), rng.choice([1, 2]))))
        return extra + text if rng.random() < 0.5 else text + extra

    return added


def mixed(text: str, rng: random.Random) -> str:
    return hotline(retype(dropped(text, rng), rng), rng)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def lsh_candidates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For aligned rows of signatures: do they share at least one band key?"""
    return (minhash.band_keys_matrix(a) == minhash.band_keys_matrix(b)).any(axis=1)


def pair_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.count_nonzero(a == b, axis=1) / minhash.NUM_PERM


def evaluate(rows: list[dict[str, str]], sigs: np.ndarray, mask: np.ndarray, rng: random.Random) -> None:
    texts = [row["text"] for row in rows]
    canon = [minhash.canonical(text) for text in texts]
    eligible = [i for i in range(len(rows)) if mask[i] and len(canon[i]) >= 20]
    edits: dict[str, Callable[[str, random.Random], str]] = {
        "retype": retype,
        "hotline": hotline,
        "grid": grid,
        "added": make_added(texts),
        "dropped": dropped,
        "truncated": truncated,
        "mixed": mixed,
    }
    by_edit: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, edit in edits.items():
        pool = eligible
        if name in ("dropped", "mixed"):
            pool = [i for i in eligible if len(sentences(texts[i])) >= 3]
        chosen = rng.sample(pool, min(PER_EDIT, len(pool)))
        edited, edited_mask = minhash.signature_matrix(edit(texts[i], rng) for i in chosen)
        keep = edited_mask
        originals = sigs[np.array(chosen)][keep]
        by_edit[name] = (originals, edited[keep])

    users = [row["user"] for row in rows]
    valid = np.flatnonzero(mask)

    def negative_ok(i: int, j: int) -> bool:
        return i != j and users[i] != users[j] and canon[i] != canon[j]

    random_pairs: set[tuple[int, int]] = set()
    while len(random_pairs) < RANDOM_NEGATIVES:
        i, j = int(valid[rng.randrange(valid.size)]), int(valid[rng.randrange(valid.size)])
        if negative_ok(i, j):
            random_pairs.add((min(i, j), max(i, j)))
    subject_grams = [
        {c[k : k + 2] for k in range(len(c) - 1)} for c in (minhash.canonical(row["subject"]) for row in rows)
    ]
    postings: dict[str, list[int]] = defaultdict(list)
    for i in valid.tolist():
        for gram in subject_grams[i]:
            postings[gram].append(i)
    hard: set[tuple[int, int]] = set()
    for i in valid.tolist():
        shared: Counter[int] = Counter()
        for gram in subject_grams[i]:
            if len(postings[gram]) <= 300:
                shared.update(j for j in postings[gram] if j > i)
        for j, count in shared.items():
            union = len(subject_grams[i] | subject_grams[j])
            if union and count / union >= 0.3 and negative_ok(i, j):
                hard.add((i, j))
    hard_pairs = sorted(hard)
    if len(hard_pairs) > HARD_NEGATIVES:
        hard_pairs = rng.sample(hard_pairs, HARD_NEGATIVES)

    def negatives(pairs: list[tuple[int, int]] | set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        index = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        return sigs[index[:, 0]], sigs[index[:, 1]]

    sets = {**by_edit, "random-neg": negatives(random_pairs), "hard-neg": negatives(hard_pairs)}
    scores = {name: (pair_similarity(a, b), lsh_candidates(a, b)) for name, (a, b) in sets.items()}
    positives = list(by_edit)
    print(
        f"evaluation set: {sum(scores[n][0].size for n in positives):,} positive pairs "
        f"({', '.join(f'{n} {scores[n][0].size}' for n in positives)}), "
        f"{scores['random-neg'][0].size:,} random and {scores['hard-neg'][0].size:,} same-subject negative pairs"
    )
    print("median similarity: " + ", ".join(f"{n} {np.median(scores[n][0]):.2f}" for n in scores))
    print(
        "LSH candidate rate (shares a band): " + ", ".join(f"{n} {scores[n][1].mean():.3f}" for n in scores)
    )
    copies = int((scores["hard-neg"][0] >= 0.9).sum())
    print(
        f"same-subject negatives with similarity >= 0.9 (one text posted by different users): {copies} "
        f"of {scores['hard-neg'][0].size}"
    )
    header = f"{'threshold':>9} " + " ".join(f"{n:>9}" for n in positives)
    header += f" {'FPR rand':>9} {'FPR hard':>9} {'precision':>9} {'recall':>7} {'F1':>6}"
    print("recall by edit type, false positive rates, and P/R/F1 of all positives against all negatives:")
    print(header)
    for threshold in sorted({*THRESHOLDS, minhash.DEFAULT_THRESHOLD}):
        called = {n: (s >= threshold) & c for n, (s, c) in scores.items()}
        tp = sum(int(called[n].sum()) for n in positives)
        pos = sum(called[n].size for n in positives)
        fp = int(called["random-neg"].sum() + called["hard-neg"].sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / pos
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        mark = "*" if threshold == minhash.DEFAULT_THRESHOLD else " "
        line = f"{threshold:>8.2f}{mark} " + " ".join(f"{called[n].mean():>9.3f}" for n in positives)
        line += f" {called['random-neg'].mean():>9.5f} {called['hard-neg'].mean():>9.5f}"
        line += f" {precision:>9.4f} {recall:>7.3f} {f1:>6.3f}"
        print(line)
    print(f"(* DEFAULT_THRESHOLD = {minhash.DEFAULT_THRESHOLD})")


def build_index(pool: np.ndarray, size: int, rng: np.random.Generator) -> minhash.BandIndex:
    """An index of ``size`` signatures: the pool (real messages and edited copies), then perturbed copies
    of pool signatures in which a share f ~ U(0.5, 1) of the 128 values is replaced by random ones. A copy
    agrees with its source on about 1 - f of the values, as texts sharing some phrasing would (resemblance
    0 to 0.5 with the source, never a near-duplicate): a pessimistic crowd of same-topic matters around
    every real one, at about size / len(pool) copies per source."""
    index = minhash.BandIndex()
    take = min(size, pool.shape[0])
    index.add_many([f"p{i}" for i in range(take)], pool[:take])
    done = take
    batch = 100_000
    while done < size:
        count = min(batch, size - done)
        source = pool[rng.integers(0, pool.shape[0], count)]
        replace = rng.random((count, minhash.NUM_PERM)) < rng.uniform(0.5, 1.0, (count, 1))
        noise = rng.integers(0, 2**32, (count, minhash.NUM_PERM), dtype=np.uint64)
        index.add_many([f"s{done + i}" for i in range(count)], np.where(replace, noise, source))
        done += count
    return index


def time_queries(index: minhash.BandIndex, queries: np.ndarray) -> None:
    query_times, verified_times, candidates, found = [], [], [], 0
    for sig in queries:
        started = time.perf_counter_ns()
        keys = index.query(sig)
        query_times.append((time.perf_counter_ns() - started) / 1e6)
        started = time.perf_counter_ns()
        hits = index.similar(sig)
        verified_times.append((time.perf_counter_ns() - started) / 1e6)
        candidates.append(len(keys))
        found += bool(hits)

    def figures(values: list[float]) -> str:
        return f"p50 {percentile(values, 50):.2f} ms, p95 {percentile(values, 95):.2f} ms, p99 {percentile(values, 99):.2f} ms"

    print(f"  {len(index):>9,} indexed: query() {figures(query_times)}")
    print(f"  {'':>9}  query()+verification (similar()) {figures(verified_times)}")
    print(
        f"  {'':>9}  candidates per query: mean {statistics.fmean(candidates):.1f}, p99 {percentile(candidates, 99):.0f};"
        f" queries with a verified hit {found}/{len(queries)}"
    )


def timing(rows: list[dict[str, str]], sigs: np.ndarray, mask: np.ndarray, rng: random.Random) -> None:
    texts = [row["text"] for row in rows]
    numbers = np.random.default_rng(SEED)
    held_out = set(rng.sample(range(len(rows)), 500))
    indexed = [i for i in range(len(rows)) if mask[i] and i not in held_out]
    variants, variant_mask = minhash.signature_matrix(
        edit(texts[i], rng) for i in indexed for edit in (retype, hotline, truncated, dropped)
    )
    pool = np.concatenate([sigs[indexed], variants[variant_mask]])
    pool = pool[numbers.permutation(pool.shape[0])]
    duplicate_queries, _ = minhash.signature_matrix(
        retype(texts[i], rng) for i in rng.sample(indexed, QUERIES // 2)
    )
    fresh = sigs[[i for i in sorted(held_out) if mask[i]][: QUERIES // 2]]
    queries = np.concatenate([duplicate_queries, fresh])
    print(
        f"index content: {pool.shape[0]:,} real signatures (messages and 4 edits of each), the rest perturbed "
        f"copies (see build_index); queries: {duplicate_queries.shape[0]} retyped indexed messages + "
        f"{fresh.shape[0]} messages not in the index"
    )
    for size in (100_000, 1_000_000):
        gc.collect()
        started = time.perf_counter()
        index = build_index(pool, size, numbers)
        print(f"  {size:>9,} built in {time.perf_counter() - started:.1f} s (add_many)")
        time_queries(index, queries)
        del index


def parse_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.strip(), "%Y/%m/%d %H:%M:%S")  # noqa: DTZ007 - local times, compared together
    except ValueError:
        return None


def grouping(rows: list[dict[str, str]]) -> None:
    records = [Record(id=row["id"], text=row["text"], time=parse_time(row["time"])) for row in rows]
    by_id = {row["id"]: row for row in rows}
    print(
        f"records: {len(records):,}, with a time: {sum(r.time is not None for r in records):,}; window 30 days"
    )
    started = time.perf_counter()
    duplicates = cluster(records)
    seconds = time.perf_counter() - started
    sizes = sorted((len(c.members) for c in duplicates), reverse=True)
    print(
        f"cluster(): {len(duplicates):,} clusters in {seconds:.1f} s; with >=2 members {sum(s >= 2 for s in sizes)}, "
        f">=5 members {sum(s >= 5 for s in sizes)}; 10 largest sizes {sizes[:10]}"
    )
    same_user = sum(
        1 for c in duplicates if len(c.members) >= 2 and len({by_id[m]["user"] for m in c.members}) == 1
    )
    print(f"  clusters with >=2 members whose messages all come from one user: {same_user}")
    started = time.perf_counter()
    found = groups(records, min_size=3)
    seconds = time.perf_counter() - started
    found.sort(key=lambda g: -len(g.members))
    sizes = [len(g.members) for g in found]
    print(
        f"groups(min_size=3): {len(found)} groups in {seconds:.1f} s; >=5 members {sum(s >= 5 for s in sizes)}; "
        f"10 largest sizes {sizes[:10]}"
    )

    def user_count(word: str) -> int:
        return len({row["user"] for row in rows if word in row["text"]})

    for rank, group in enumerate(found[:5], start=1):
        times = [by_id[m] for m in group.members]
        moments = [t for t in (parse_time(row["time"]) for row in times) if t is not None]
        span = (max(moments) - min(moments)).days if moments else 0
        authors = len({row["user"] for row in times})
        reasons = [r for r in group.reasons if not r.startswith("keywords:")]
        words = [
            w
            for w in keywords([row["text"] for row in times], limit=20)
            if user_count(w) >= MIN_USERS_FOR_A_KEYWORD
        ]
        print(
            f"  group {rank}: {len(group.members)} messages by {authors} users over {span} days; "
            f"{' '.join(reasons)}; keywords {','.join(words[:5])}"
        )


def scale(rows: list[dict[str, str]], count: int) -> None:
    rng = random.Random(SEED)
    texts = [row["text"] for row in rows]
    records = []
    for i in range(count):
        text = (
            texts[i % len(texts)]
            if i < len(texts)
            else rng.choice([retype, hotline, truncated, dropped])(rng.choice(texts), rng)
        )
        records.append(
            Record(
                id=str(i), text=text, party=f"k{rng.randrange(count)}", region=f"3308{rng.randrange(30):02d}"
            )
        )
    started = time.perf_counter()
    found = cluster(records)
    print(
        f"cluster() on {count:,} records (real messages and edited copies, random parties and 30 regions): "
        f"{time.perf_counter() - started:.1f} s, {sum(len(c.members) >= 2 for c in found):,} clusters with >=2 members"
    )


def main() -> int:
    path = data_file()
    if not path.is_file():
        print(f"skipped: no {path.relative_to(path.parents[2])} in the shared data directory")
        return 0
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    rng = random.Random(SEED)
    print(f"messages: {len(rows):,}")
    sig_started = time.perf_counter()
    sigs, mask = minhash.signature_matrix(row["text"] for row in rows)
    seconds = time.perf_counter() - sig_started
    chars = statistics.fmean(len(row["text"]) for row in rows)
    print(f"signature(): {len(rows) / seconds:,.0f} signatures/s (mean {chars:.0f} characters a message)")
    print("\n== 1. near-duplicates ==")
    evaluate(rows, sigs, mask, rng)
    print("\n== 2. look-up time ==")
    timing(rows, sigs, mask, rng)
    print("\n== 3. grouping the real messages ==")
    grouping(rows)
    scale(rows, int(os.environ.get("BENCH_DUPLICATES_SCALE", "20000")))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
