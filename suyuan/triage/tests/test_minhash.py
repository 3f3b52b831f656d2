"""MinHash signatures and LSH band keys: canonical text, stability, similarity and the in-memory index.

Every text here is written for these tests (never taken from real messages)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from suyuan.triage import minhash
from suyuan.triage.minhash import (
    BANDS,
    DEFAULT_THRESHOLD,
    NUM_PERM,
    ROWS,
    BandIndex,
    EmptyTextError,
    band_keys,
    band_keys_matrix,
    canonical,
    shingles,
    signature,
    signature_bytes,
    signature_from_bytes,
    signature_matrix,
    similarity,
)

STREETLIGHT = "我家小区门口的三盏路灯已经坏了三个月，晚上老人孩子出行很不方便，请尽快安排维修。"
WAGES = "某建筑公司拖欠我们二十多名农民工去年下半年的工资，多次讨要无果，请求帮助追讨。"
NOISE = "楼上住户每天晚上十一点以后还在装修，电钻声音很大，影响全家人休息。"
GOLDEN_TEXT = "诉源治理，化解矛盾纠纷于萌芽状态。"


def test_parameters_fit_together():
    assert BANDS * ROWS == NUM_PERM == 128
    assert minhash.SHINGLE_SIZE == 3
    assert 0 < DEFAULT_THRESHOLD < 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   \n\t", ""),
        ("，。！？、；：“”（）【】《》……——", ""),
        ("Hello, World!", "helloworld"),
        ("ＡＢＣ１２３", "abc123"),  # full-width forms
        ("电话：0570-1234567", "电话05701234567"),  # digits kept
        ("路灯\u200b坏了\u3000三个月", "路灯坏了三个月"),  # zero-width and ideographic spaces
        ("欠薪$+<=>^`|~_￥★😀", "欠薪"),  # symbols and emoji
        ("①号楼", "1号楼"),  # NFKC
    ],
)
def test_canonical(text, expected):
    assert canonical(text) == expected


def test_canonical_never_fails():
    assert canonical(None) == ""  # type: ignore[arg-type]
    assert canonical(12.5) == "125"  # type: ignore[arg-type]
    assert canonical("\udc80孤立代理") == "孤立代理"  # a lone surrogate from a broken decoder


def test_shingles_edge_cases():
    assert shingles("") == set()
    assert shingles("，。 ") == set()
    assert shingles("欠") == {"欠"}
    assert shingles("欠薪!") == {"欠薪"}
    assert shingles("欠薪了") == {"欠薪了"}
    assert shingles("拖欠工资") == {"拖欠工", "欠工资"}
    assert shingles("Ａ，b c") == {"abc"}


def test_empty_text_has_no_signature():
    for text in ("", "   ", "！？……"):
        with pytest.raises(EmptyTextError):
            signature(text)
    sigs, mask = signature_matrix(["", STREETLIGHT, "。"])
    assert sigs.shape == (3, NUM_PERM)
    assert mask.tolist() == [False, True, False]
    assert np.array_equal(sigs[1], signature(STREETLIGHT))
    assert signature_matrix([])[0].shape == (0, NUM_PERM)


def test_signature_shape_and_stability():
    first = signature(STREETLIGHT)
    second = signature(STREETLIGHT)
    assert first.dtype == np.uint64
    assert first.shape == (NUM_PERM,)
    assert int(first.max()) < 2**32
    assert signature_bytes(first) == signature_bytes(second)
    assert len(signature_bytes(first)) == NUM_PERM * 4
    restored = signature_from_bytes(signature_bytes(first))
    assert restored.dtype == np.uint64
    assert np.array_equal(restored, first)
    restored[0] = 0  # a fresh, writable array
    with pytest.raises(ValueError):
        signature_from_bytes(b"\x00" * 10)
    with pytest.raises(ValueError):
        signature_bytes(np.zeros(3, dtype=np.uint64))


def test_signature_depends_on_the_shingle_set_only():
    assert np.array_equal(signature("abcab"), signature("bcabc"))  # same shingles {abc, bca, cab}
    assert np.array_equal(signature("路灯坏了"), signature("路灯，坏了！"))
    assert not np.array_equal(signature("欠薪"), signature("欠"))


def test_golden_signature():
    """Signatures are stored: a datasketch upgrade or a code change that alters them must fail here (and
    then needs a migration that recomputes every stored signature and band key)."""
    sig = signature(GOLDEN_TEXT)
    assert sig[:8].tolist() == [
        161744863,
        448311781,
        153348149,
        301257923,
        351852413,
        121500617,
        418414059,
        479741270,
    ]
    assert hashlib.sha256(signature_bytes(sig)).hexdigest() == (
        "c6251139fe0e35922e999bddcfc64c8020e41e5578b5d7598ea52836669c5ce3"
    )
    assert band_keys(sig)[:4] == [
        2646510161089875,
        -1335266598153171950,
        3687850082983352897,
        8584131272865551286,
    ]


def test_signature_and_band_keys_same_in_another_process():
    code = (
        "from suyuan.triage.minhash import signature, signature_bytes, band_keys;"
        f"s = signature({STREETLIGHT!r}); print(signature_bytes(s).hex()); print(band_keys(s))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    hex_bytes, keys = result.stdout.split("\n")[:2]
    sig = signature(STREETLIGHT)
    assert hex_bytes == signature_bytes(sig).hex()
    assert keys == str(band_keys(sig))


def test_similarity_of_small_edits_and_unrelated_texts():
    base = signature(STREETLIGHT)
    assert similarity(base, base) == 1.0
    retyped = STREETLIGHT.replace("，", " ").replace("。", "！！") + "谢谢"
    assert similarity(base, signature(retyped)) >= 0.85
    one_char = STREETLIGHT.replace("维修", "维护")
    assert similarity(base, signature(one_char)) >= 0.8
    wrapped = f"来电人反映：{STREETLIGHT}请求相关部门处理。"
    assert similarity(base, signature(wrapped)) >= DEFAULT_THRESHOLD
    for other in (WAGES, NOISE):
        assert similarity(base, signature(other)) < 0.1
    assert 0.0 <= similarity(signature(WAGES), signature(NOISE)) <= 1.0


def test_band_keys_stable_signed_and_distinct_per_band():
    sig = signature(WAGES)
    keys = band_keys(sig)
    assert keys == band_keys(signature(WAGES))
    assert len(keys) == BANDS
    assert all(isinstance(key, int) and -(2**63) <= key < 2**63 for key in keys)
    assert len(set(keys)) == BANDS
    # Equal rows in every band must still give a different key per band.
    constant = np.full(NUM_PERM, 7, dtype=np.uint64)
    assert len(set(band_keys(constant))) == BANDS
    # A change in one row changes that band's key only.
    changed = sig.copy()
    changed[ROWS * 5 + 2] += 1
    diff = [i for i, (a, b) in enumerate(zip(keys, band_keys(changed), strict=True)) if a != b]
    assert diff == [5]
    assert band_keys_matrix(np.vstack([sig, changed])).tolist() == [keys, band_keys(changed)]


def test_band_index_finds_near_duplicate_not_unrelated():
    index = BandIndex()
    index.add("light", signature(STREETLIGHT))
    index.add("wages", signature(WAGES))
    index.add("noise", signature(NOISE))
    assert len(index) == 3
    assert "light" in index
    query = signature(f"来电人反映：{STREETLIGHT}请求相关部门处理。")
    assert index.query(query) == {"light"}
    found = index.similar(query)
    assert [key for key, _ in found] == ["light"]
    assert found[0][1] >= DEFAULT_THRESHOLD
    assert index.query(signature("今年夏天雨水多，河道两岸的护栏有几处松动。")) == set()
    with pytest.raises(ValueError):
        index.add("light", signature(STREETLIGHT))


def test_band_index_bulk_and_pending_agree(monkeypatch):
    monkeypatch.setattr(BandIndex, "PENDING_CAPACITY", 2)
    texts = [STREETLIGHT, WAGES, NOISE, STREETLIGHT + "再次反映", WAGES.replace("二十多名", "二十几名")]
    sigs, _ = signature_matrix(texts)
    one_by_one = BandIndex()
    for i, sig in enumerate(sigs):
        one_by_one.add(str(i), sig)  # merges the pending buffer twice on the way
    bulk = BandIndex()
    bulk.add_many([str(i) for i in range(2)], sigs[:2])
    bulk.add("2", sigs[2])
    bulk.add_many(["3", "4"], sigs[3:])
    for sig in sigs:
        assert one_by_one.query(sig) == bulk.query(sig)
        assert one_by_one.similar(sig) == bulk.similar(sig)
    assert {"0", "3"} <= one_by_one.query(sigs[0])
    assert [key for key, _ in one_by_one.similar(sigs[1])] == ["1", "4"]
    with pytest.raises(ValueError):
        bulk.add_many(["5", "5"], sigs[:2])
    with pytest.raises(ValueError):
        bulk.add_many(["0"], sigs[:1])
