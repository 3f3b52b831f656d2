"""Text classification for triage: learn categories from labelled texts, propose one with a confidence.

Pure Python and NumPy/SciPy/scikit-learn: no Django models, no database. The callers (services, management
commands, ``bench/eval_triage.py``) keep the labelled data, the serialised model and the decisions.

The learned model, and why
--------------------------
* Features: TF-IDF of character 1–3-grams of text normalised by :func:`~suyuan.triage.text.normalize`
  (sublinear term frequency, smoothed IDF, rows L2-normalised). Characters need no word segmentation and
  survive typos and dialect spellings. Adding jieba word uni/bigrams did not help: in 5-fold
  cross-validation on the training part of the department messages, characters alone gave macro-F1 0.902,
  words alone 0.891, both 0.901; and jieba costs ~3 ms per (370-character) message, six times the whole
  prediction budget (2,000 texts/s on one core). ``min_df`` grows with the data (:data:`MIN_DF_STEPS`): 3
  from 5,000 texts (as good as 2 in cross-validation, with 45 % fewer features), 2 from 1,000, and 1 below,
  since few-shot data (4 examples of each of 20 categories) would lose most of its n-grams otherwise.
* The vectoriser is written here rather than taken from scikit-learn: ``TfidfVectorizer``'s character
  analyser builds every n-gram as a Python string (~1 ms per 370-character text, twice the budget). Here
  the 1–3 code points of an n-gram are packed into one 63-bit integer (21 bits each) with NumPy, for all
  texts of a batch at once, and looked up in a hash table held in NumPy arrays (see ``_HashIndex``). The
  matrix is the one ``TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)`` gives.
* Classifier: a linear SVM (``LinearSVC``, C = :data:`SVM_C`, ``class_weight="balanced"`` so that a rarer
  department is not sacrificed to the largest: +0.01 macro-F1 in cross-validation; C 0.5 and 1 were within
  noise of each other), one-vs-rest. Prediction is one sparse-dense product.
* Confidences: softmax of the SVM's decision scores divided by a temperature ``T`` (temperature scaling, one
  parameter, so it can be fitted even from a handful of examples). ``T`` minimises the log-loss of
  *out-of-fold* decision scores: the training set is split into :data:`CALIBRATION_FOLDS` stratified folds
  (fewer when the smallest category has fewer examples), a model is trained on the others for each fold and
  scores it. The final model is trained on everything (its scores are slightly more confident than the
  out-of-fold ones, so the confidences err on the modest side). Fitted temperatures are ~0.2 on the
  departments and ~0.1–0.13 with 4–8 examples per category. With 2 examples of a category the out-of-fold
  models have seen one, and ``T`` may come out large (confidences near 1/K): honest for such data. When
  the smallest category has a single example (never through :func:`train`, whose :func:`prepare` keeps
  categories of two or more) no fold can be made: ``T`` is then :data:`FALLBACK_TEMPERATURE`, a plain
  softmax of the decision scores at a temperature softer than any fitted one, so that the confidences stay
  low. ``Classifier.calibration`` says which was used.
* Weights are stored as float16 (in memory too, so a serialised model predicts exactly what the trained one
  did): it halves the size and changes no prediction measurably.

The keyword model
-----------------
:func:`from_keywords` builds a classifier for a deployment with no labelled data yet: each category's
keywords (or short descriptions) are looked for in the normalised text. A keyword found under several
categories weighs less (like IDF); the evidence of a category is ``log1p(sum of the weights found)`` and the
confidences are a softmax of it with :data:`KEYWORD_SHARPNESS`, so that one keyword gives a modest
confidence (0.4 among 7 categories), several more, and a text with none of them an even split (1/K).
"""

from __future__ import annotations

import io
import json
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from suyuan.triage.text import is_meaningful, normalize, words

__all__ = [
    "Classifier",
    "Metrics",
    "Prediction",
    "PreparedData",
    "TrainingError",
    "cross_validate",
    "evaluate_holdout",
    "from_keywords",
    "prepare",
    "score",
    "split",
    "train",
]

NGRAM_RANGE = (1, 3)
"""Character n-gram lengths."""

MIN_DF_STEPS = ((5000, 3), (1000, 2), (0, 1))
"""``min_df`` by training-set size: an n-gram must occur in 3 texts from 5,000 texts on, in 2 from 1,000 on,
and a single occurrence is enough below (few-shot data would lose most of its n-grams otherwise)."""

SVM_C = 1.0
"""Regularisation of the linear SVM (chosen by cross-validation on the training part of the departments)."""

CLASS_WEIGHT: str | None = "balanced"
"""Class weights of the SVM: "balanced" weighs each category inversely to its frequency."""

CALIBRATION_FOLDS = 3
"""Folds for the out-of-fold scores the temperature is fitted on (reduced to the smallest category's size)."""

FALLBACK_TEMPERATURE = 0.3
"""Softmax temperature when no calibration fold can be made (a category with a single example): softer than
the 0.1–0.2 fitted on few-shot and department data, so it errs towards low confidence."""

KEYWORD_SHARPNESS = 2.0
"""Multiplier of a keyword model's evidence before the softmax (see the module docstring)."""

BATCH = 256
"""Texts scored at once: large enough for NumPy to work in bulk, small enough to bound the memory (~25 MB)."""

FORMAT_VERSION = 1
"""Version of the :meth:`Classifier.dumps` format; :meth:`Classifier.loads` refuses others."""


class TrainingError(ValueError):
    """The data cannot make a classifier; ``str(exc)`` is a translated message for whoever supplied it."""


# ------------------------------------------------------------------------------------------------- preparing


@dataclass
class PreparedData:
    """Training rows that survived :func:`prepare`, what was said about the others, how many were dropped."""

    texts: list[str]
    labels: list[str]
    warnings: list[str]
    dropped: int


def prepare(texts: Iterable[Any], labels: Iterable[Any], *, min_per_class: int = 2) -> PreparedData:
    """Clean labelled data for training: drop unusable rows and too-small categories, or say why it can't.

    A row is dropped when its text is not a string or not :func:`~suyuan.triage.text.is_meaningful` (empty,
    punctuation, digits only …) or its label is empty once stripped; the count is reported in one warning.
    A category with fewer than ``min_per_class`` remaining examples is dropped with a warning naming it.
    ``dropped`` counts every row left out for either reason. Raises :class:`TrainingError` when nothing is
    left or fewer than two categories are. Labels are stripped; texts are kept as given.
    """
    text_list = list(texts)
    label_list = list(labels)
    if len(text_list) != len(label_list):
        raise TrainingError(
            _("There are %(texts)d texts but %(labels)d labels: each text needs exactly one label.")
            % {"texts": len(text_list), "labels": len(label_list)}
        )
    kept_texts: list[str] = []
    kept_labels: list[str] = []
    bad = 0
    for text, label in zip(text_list, label_list, strict=True):
        clean_label = "" if label is None else str(label).strip()
        if not isinstance(text, str) or not clean_label or not is_meaningful(text):
            bad += 1
            continue
        kept_texts.append(text)
        kept_labels.append(clean_label)
    notes: list[str] = []
    if bad:
        notes.append(
            ngettext(
                "%(count)d row was left out: its text was empty or meaningless, or it had no label.",
                "%(count)d rows were left out: their text was empty or meaningless, or they had no label.",
                bad,
            )
            % {"count": bad}
        )
    counts = Counter(kept_labels)
    small = sorted(label for label, count in counts.items() if count < min_per_class)
    for label in small:
        notes.append(
            ngettext(
                "The category “%(label)s” has only %(count)d example (at least %(minimum)d are needed): "
                "it is left out.",
                "The category “%(label)s” has only %(count)d examples (at least %(minimum)d are needed): "
                "it is left out.",
                counts[label],
            )
            % {"label": label, "count": counts[label], "minimum": min_per_class}
        )
    if small:
        excluded = set(small)
        rows = [(t, label) for t, label in zip(kept_texts, kept_labels, strict=True) if label not in excluded]
        kept_texts = [t for t, _label in rows]
        kept_labels = [label for _t, label in rows]
    dropped = len(text_list) - len(kept_texts)
    if not kept_texts:
        raise TrainingError(_("There is nothing to learn from: no usable text with a label."))
    remaining = len(set(kept_labels))
    if remaining < 2:
        raise TrainingError(
            _(
                "At least two categories with %(minimum)d examples or more are needed to learn to tell them "
                "apart; there is %(count)d."
            )
            % {"minimum": max(min_per_class, 1), "count": remaining}
        )
    return PreparedData(texts=kept_texts, labels=kept_labels, warnings=notes, dropped=dropped)


# ------------------------------------------------------------------------------------------------ vectoriser

_BITS = 21  # every Unicode code point + 1 fits in 21 bits, so three of them fit in a non-negative int64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd


def _ngram_codes(texts: Sequence[str], low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Every character n-gram (``low`` ≤ n ≤ ``high``) of every text as (code, text index) arrays.

    A code is the n-gram's code points + 1 packed 21 bits apiece; the +1 keeps n-grams of different lengths
    apart (an n-gram's code is at least 2**(21·(n-1))). N-grams crossing from one text into the next are
    left out by comparing the text index of their first and last characters.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    total = points.shape[0]
    codes: list[np.ndarray] = []
    docs: list[np.ndarray] = []
    for n in range(low, high + 1):
        count = total - n + 1
        if count <= 0:
            break
        code = points[:count].copy()
        for k in range(1, n):
            code <<= np.uint64(_BITS)
            code |= points[k : k + count]
        inside = owner[:count] == owner[n - 1 : n - 1 + count]
        codes.append(code[inside])
        docs.append(owner[:count][inside])
    if not codes:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return np.concatenate(codes), np.concatenate(docs)


class _HashIndex:
    """Position of each n-gram code in the sorted vocabulary: a hash table in front of a binary search.

    ``np.searchsorted`` over a few hundred thousand codes costs a cache miss per halving, ~5× a hash table;
    a Python dict needs a Python object per n-gram. The table has at least four slots per code and keeps, in
    each slot, the first vocabulary code whose hash lands there. A code whose slot holds it is found; one
    whose slot is empty is not in the vocabulary; the few others (under a tenth) are looked up with
    ``np.searchsorted``. No probing loop: for a single text, a loop's per-round NumPy overhead costs more
    than the lookups themselves.
    """

    def __init__(self, vocabulary: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.bits = max(4, math.ceil(math.log2(max(vocabulary.shape[0], 1) * 4)))
        self.keys = np.zeros(1 << self.bits, dtype=np.uint64)  # 0 is no code: codes are at least 1
        self.values = np.zeros(1 << self.bits, dtype=np.int32)
        slots, first = np.unique(self._hash(vocabulary), return_index=True)
        self.keys[slots] = vocabulary[first]
        self.values[slots] = first

    def _hash(self, codes: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: the top bits of code × 2**64/φ (uint64 arithmetic wraps, as intended)
        return ((codes * _GOLDEN) >> np.uint64(64 - self.bits)).astype(np.intp)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Vocabulary position of each code, -1 where it is not in the vocabulary."""
        slots = self._hash(codes)
        keys = self.keys[slots]
        hit = keys == codes
        found = np.where(hit, self.values[slots], -1).astype(np.int64)
        pending = np.flatnonzero(~hit & (keys != 0))
        if pending.size:
            wanted = codes[pending]
            at = np.minimum(np.searchsorted(self.vocabulary, wanted), self.vocabulary.shape[0] - 1)
            match = self.vocabulary[at] == wanted
            found[pending[match]] = at[match]
        return found


class _CharNgrams:
    """TF-IDF of character n-grams (sublinear tf, smoothed idf, L2 rows), as scikit-learn computes it."""

    def __init__(self, low: int, high: int, min_df: int) -> None:
        self.low, self.high, self.min_df = low, high, min_df
        self.vocabulary = np.zeros(0, dtype=np.uint64)  # sorted n-gram codes
        self.idf = np.zeros(0, dtype=np.float64)
        self._index: _HashIndex | None = None

    @property
    def index(self) -> _HashIndex:
        if self._index is None:  # after loading: built on first use (two threads may both build it: harmless)
            self._index = _HashIndex(self.vocabulary)
        return self._index

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        codes, docs = _ngram_codes(texts, self.low, self.high)
        unique, position = np.unique(codes, return_inverse=True)
        counts = self._matrix(docs, position.reshape(-1), len(texts), unique.shape[0])
        df = np.bincount(counts.indices, minlength=unique.shape[0])
        keep = np.flatnonzero(df >= self.min_df)
        self.vocabulary = unique[keep]
        # float32 values, as dumps() writes them, so that a loaded model computes exactly the same features
        self.idf = (np.log((1 + len(texts)) / (1 + df[keep])) + 1.0).astype(np.float32).astype(np.float64)
        self._index = None
        return self._weigh(counts[:, keep].tocsr())

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The non-zero TF-IDF values of ``texts`` as (row, column, value) arrays, sorted by row then column.

        Counting is a sort of ``row · vocabulary size + column`` keys, cheaper than SciPy's duplicate summing
        (and than its COO constructor, which spends ~0.2 ms checking its input).
        """
        codes, docs = _ngram_codes(texts, self.low, self.high)
        size = self.vocabulary.shape[0]
        if not codes.size or not size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float64)
        position = self.index.lookup(codes)
        known = position >= 0
        keys = docs[known] * size + position[known]
        keys.sort()
        if not keys.size:
            return keys, keys, np.zeros(0, dtype=np.float64)
        first = np.empty(keys.shape[0], dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(starts, append=keys.shape[0])
        rows, columns = np.divmod(keys[starts], size)
        values = (np.log(counts) + 1.0) * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        values /= norms[rows]  # a row with entries has a positive norm
        return rows, columns, values

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows, columns, values = self.entries(texts)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        return sp.csr_matrix((values, columns, indptr), shape=(len(texts), self.vocabulary.shape[0]))

    @staticmethod
    def _matrix(rows: np.ndarray, columns: np.ndarray, height: int, width: int) -> sp.csr_matrix:
        matrix = sp.csr_matrix(
            (np.ones(rows.shape[0], dtype=np.float64), (rows, columns)),
            shape=(height, width),
            dtype=np.float64,
        )
        matrix.sum_duplicates()
        return matrix

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        data = np.log(counts.data) + 1.0
        data *= self.idf[counts.indices]
        row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(row, weights=data * data, minlength=counts.shape[0]))
        norms[norms == 0] = 1.0
        data /= norms[row]
        return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


# ---------------------------------------------------------------------------------------------------- models


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _log_loss(scores: np.ndarray, truth: np.ndarray, temperature: float) -> float:
    scaled = scores / temperature
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_norm - shifted[np.arange(truth.shape[0]), truth]))


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature minimising the log-loss of ``softmax(scores / T)``, searched on log T in [0.01, 10]."""
    from scipy.optimize import minimize_scalar

    result = minimize_scalar(
        lambda log_t: _log_loss(scores, truth, math.exp(log_t)),
        bounds=(math.log(0.01), math.log(10.0)),
        method="bounded",
    )
    return round(math.exp(float(result.x)), 6)


class _LinearModel:
    """Character-n-gram TF-IDF, a linear SVM's weights, and the softmax temperature of its scores."""

    kind = "learned"

    def __init__(self, vectoriser: _CharNgrams, weights: np.ndarray, bias: np.ndarray, temperature: float):
        self.vectoriser = vectoriser
        # (features, labels) and (labels,), float64 holding float16 and float32 values: exactly what dumps()
        # writes, and float64 so that the sparse product does not convert a copy of the weights on every call
        self.weights = weights
        self.bias = bias
        self.temperature = temperature

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Decision scores (texts × labels), :data:`BATCH` texts at a time to bound the memory used."""
        parts = [
            np.asarray(self.vectoriser.transform(texts[offset : offset + BATCH]) @ self.weights)
            for offset in range(0, len(texts), BATCH)
        ]
        if not parts:
            return np.zeros((0, self.bias.shape[0]))
        return np.vstack(parts) + self.bias

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return _softmax(self.scores(texts) / self.temperature)

    def arrays(self) -> dict[str, np.ndarray]:
        vocabulary = self.vectoriser.vocabulary
        return {
            # sorted codes: their differences are small numbers, which deflate compresses well
            "vocabulary_steps": np.diff(vocabulary, prepend=np.uint64(0)),
            "idf": self.vectoriser.idf.astype(np.float32),
            "weights": self.weights.astype(np.float16),
            "bias": self.bias.astype(np.float32),
        }

    def settings(self) -> dict[str, Any]:
        vectoriser = self.vectoriser
        return {
            "ngrams": [vectoriser.low, vectoriser.high],
            "min_df": vectoriser.min_df,
            "temperature": self.temperature,
        }

    @classmethod
    def restore(cls, arrays: Mapping[str, np.ndarray], settings: Mapping[str, Any]) -> _LinearModel:
        low, high = (int(n) for n in settings["ngrams"])
        vectoriser = _CharNgrams(low, high, int(settings["min_df"]))
        vectoriser.vocabulary = np.cumsum(arrays["vocabulary_steps"].astype(np.uint64), dtype=np.uint64)
        vectoriser.idf = arrays["idf"].astype(np.float64)
        return cls(
            vectoriser,
            arrays["weights"].astype(np.float64),
            arrays["bias"].astype(np.float32).astype(np.float64),
            float(settings["temperature"]),
        )


class _KeywordModel:
    """Weighted keywords per category, found by substring search in normalised text (see the module doc)."""

    kind = "keywords"

    def __init__(self, keywords: list[tuple[str, int, float]], label_count: int) -> None:
        self.keywords = keywords  # (normalised keyword, label index, weight)
        self.label_count = label_count

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        evidence = np.zeros((len(texts), self.label_count), dtype=np.float64)
        for row, text in enumerate(texts):
            for keyword, label, weight in self.keywords:
                if keyword in text:
                    evidence[row, label] += weight
        return _softmax(KEYWORD_SHARPNESS * np.log1p(evidence))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "keyword_labels": np.array([label for _k, label, _w in self.keywords], dtype=np.int32),
            "keyword_weights": np.array([weight for _k, _l, weight in self.keywords], dtype=np.float64),
        }

    def settings(self) -> dict[str, Any]:
        return {"keywords": [keyword for keyword, _l, _w in self.keywords]}

    @classmethod
    def restore(
        cls, arrays: Mapping[str, np.ndarray], settings: Mapping[str, Any], labels: int
    ) -> _KeywordModel:
        keywords = [
            (str(keyword), int(label), float(weight))
            for keyword, label, weight in zip(
                settings["keywords"], arrays["keyword_labels"], arrays["keyword_weights"], strict=True
            )
        ]
        return cls(keywords, labels)


# -------------------------------------------------------------------------------------------- the classifier


@dataclass(frozen=True)
class Prediction:
    """A proposed category (None for a text that says nothing), its probability, the best few with theirs."""

    label: str | None
    confidence: float
    top: list[tuple[str, float]]


_NOTHING = Prediction(None, 0.0, [])


class Classifier:
    """A trained (``kind == "learned"``) or keyword-based (``kind == "keywords"``) text classifier.

    Made by :func:`train`, :func:`from_keywords` or :meth:`loads`; immutable once made and safe to share
    between threads. ``calibration`` says how the confidences were calibrated, ``training_size`` how many
    texts it learned from (0 for keywords).
    """

    def __init__(
        self,
        labels: Sequence[str],
        model: _LinearModel | _KeywordModel,
        *,
        calibration: str,
        training_size: int = 0,
    ) -> None:
        self.labels = list(labels)
        self.kind: str = model.kind
        self.calibration = calibration
        self.training_size = training_size
        self._model = model

    def __repr__(self) -> str:
        return f"<Classifier {self.kind}: {len(self.labels)} labels, {self.calibration}>"

    @property
    def temperature(self) -> float | None:
        """The softmax temperature of a learned model's decision scores (None for keywords)."""
        return self._model.temperature if isinstance(self._model, _LinearModel) else None

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each label (columns in ``labels`` order) for each text, without the garbage test."""
        normalised = [normalize(text) if isinstance(text, str) else "" for text in texts]
        if not normalised:
            return np.zeros((0, len(self.labels)))
        return self._model.probabilities(normalised)

    def predict(self, texts: Sequence[str], *, top: int = 3) -> list[Prediction]:
        """A :class:`Prediction` per text, in order; ``Prediction(None, 0.0, [])`` for a text not meaningful.

        ``top`` lists at most ``top`` labels, most probable first (ties in label order), with probabilities
        rounded to 4 decimals; ``confidence`` is the first of them.
        """
        texts = [text if isinstance(text, str) else "" for text in texts]
        useful = [index for index, text in enumerate(texts) if is_meaningful(text)]
        results = [_NOTHING] * len(texts)
        if not useful:
            return results
        probabilities = self.probabilities([texts[index] for index in useful])
        order = np.argsort(-probabilities, axis=1, kind="stable")
        keep = max(0, top)
        for row, index in enumerate(useful):
            best = order[row]
            ranked = [(self.labels[k], round(float(probabilities[row, k]), 4)) for k in best[:keep]]
            first = int(best[0])
            results[index] = Prediction(
                self.labels[first], round(float(probabilities[row, first]), 4), ranked
            )
        return results

    def predict_one(self, text: str, *, top: int = 3) -> Prediction:
        return self.predict([text], top=top)[0]

    def dumps(self) -> bytes:
        """The model as bytes: a NumPy ``.npz`` archive (deflated) of plain arrays and a JSON header.

        No pickle, so :meth:`loads` cannot run code even if the caller's signature check were bypassed. A
        model of the 7 departments (~200k n-grams) takes a few megabytes.
        """
        header = {
            "format": FORMAT_VERSION,
            "kind": self.kind,
            "labels": self.labels,
            "calibration": self.calibration,
            "training_size": self.training_size,
            "settings": self._model.settings(),
        }
        buffer = io.BytesIO()
        arrays = self._model.arrays()
        arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> Classifier:
        """The classifier :meth:`dumps` wrote; ``ValueError`` for other bytes (or another format version)."""
        if not isinstance(data, bytes | bytearray | memoryview) or bytes(data[:4]) != b"PK\x03\x04":
            raise ValueError("not a serialised triage classifier")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            header = json.loads(arrays.pop("header").tobytes().decode())
            if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
                raise ValueError("unsupported triage classifier format")
            labels = [str(label) for label in header["labels"]]
            model: _LinearModel | _KeywordModel
            if header["kind"] == "learned":
                model = _LinearModel.restore(arrays, header["settings"])
            elif header["kind"] == "keywords":
                model = _KeywordModel.restore(arrays, header["settings"], len(labels))
            else:
                raise ValueError("unknown triage classifier kind")
            calibration, training_size = str(header["calibration"]), int(header["training_size"])
        except Exception as exc:  # a damaged archive fails in many ways (zip, npy, JSON, keys, shapes)
            raise ValueError(f"not a serialised triage classifier: {exc}") from exc
        return cls(labels, model, calibration=calibration, training_size=training_size)


# -------------------------------------------------------------------------------------------------- training


def _fit_svm(
    features: sp.csr_matrix, targets: np.ndarray, label_count: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced linear SVM's weights (features × labels) and biases; two labels get ±half scores."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=SVM_C, class_weight=CLASS_WEIGHT, random_state=seed)
    with warnings.catch_warnings():  # not converging to the last digits changes no prediction
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(features, targets)
    coef = np.asarray(svm.coef_, dtype=np.float64)
    bias = np.asarray(svm.intercept_, dtype=np.float64)
    if label_count == 2:  # one decision function: positive means the second label
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    return coef.T, bias


def _folds(targets: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number per row: each label's rows shuffled with ``seed`` and dealt round-robin (stratified)."""
    rng = np.random.default_rng(seed)
    assignment = np.zeros(targets.shape[0], dtype=np.int64)
    offset = 0
    for label in np.unique(targets):
        rows = np.flatnonzero(targets == label)
        rng.shuffle(rows)
        # continuing the deal where the previous label stopped keeps the folds' sizes within one of each other
        assignment[rows] = (np.arange(rows.shape[0]) + offset) % folds
        offset += rows.shape[0]
    return assignment


def _fit(prepared: PreparedData, seed: int, *, calibrate: bool = True) -> Classifier:
    labels = sorted(set(prepared.labels))
    position = {label: index for index, label in enumerate(labels)}
    targets = np.array([position[label] for label in prepared.labels], dtype=np.int64)
    texts = [normalize(text) for text in prepared.texts]
    min_df = next(value for size, value in MIN_DF_STEPS if len(texts) >= size)

    def fit(rows: np.ndarray) -> _LinearModel:
        vectoriser = _CharNgrams(NGRAM_RANGE[0], NGRAM_RANGE[1], min_df)
        features = vectoriser.fit_transform([texts[row] for row in rows])
        weights, bias = _fit_svm(features, targets[rows], len(labels), seed)
        # rounded as dumps() writes them, so that a loaded model predicts exactly the same
        return _LinearModel(
            vectoriser,
            weights.astype(np.float16).astype(np.float64),
            bias.astype(np.float32).astype(np.float64),
            1.0,
        )

    model = fit(np.arange(len(texts)))
    smallest = int(np.bincount(targets).min())
    folds = min(CALIBRATION_FOLDS, smallest)
    if not calibrate:
        model.temperature = FALLBACK_TEMPERATURE
        calibration = f"uncalibrated softmax (T={FALLBACK_TEMPERATURE:g})"
    elif folds < 2:
        model.temperature = FALLBACK_TEMPERATURE
        calibration = f"fixed temperature {FALLBACK_TEMPERATURE:g} (a category has a single example)"
    else:
        assignment = _folds(targets, folds, seed)
        scores = np.zeros((len(texts), len(labels)))
        for fold in range(folds):
            inside = np.flatnonzero(assignment != fold)
            outside = np.flatnonzero(assignment == fold)
            if np.unique(targets[inside]).shape[0] < len(labels):  # cannot happen with stratified folds
                raise AssertionError("a calibration fold lost a label")
            scores[outside] = fit(inside).scores([texts[row] for row in outside])
        model.temperature = _fit_temperature(scores, targets)
        calibration = f"temperature {model.temperature:g} ({folds}-fold out-of-fold)"
    return Classifier(labels, model, calibration=calibration, training_size=len(texts))


def train(texts: Iterable[Any], labels: Iterable[Any], *, seed: int = 0) -> Classifier:
    """Learn a classifier from labelled texts, cleaned by :func:`prepare` (which may raise TrainingError)."""
    return _fit(prepare(texts, labels), seed)


def from_keywords(taxonomy: Mapping[str, Sequence[str]]) -> Classifier:
    """A classifier from keywords (or short descriptions) per category, for a deployment with no labels yet.

    Each entry is normalised like a text; an entry longer than six characters is treated as a description and
    split into its jieba words of two characters or more. The category's own name counts as one more keyword
    (and its words too). A keyword listed under ``d`` of the ``K`` categories weighs
    ``log(1 + K/d) / log(1 + K)``: 1 when it is specific to one category, less when shared. Raises
    :class:`TrainingError` with fewer than two categories.
    """
    labels = sorted({str(label).strip() for label in taxonomy if str(label).strip()})
    if len(labels) < 2:
        raise TrainingError(_("At least two categories are needed, each with its keywords."))
    entries: dict[str, set[str]] = {label: set() for label in labels}
    for raw_label, items in taxonomy.items():
        label = str(raw_label).strip()
        if not label:
            continue
        for item in [label, *([items] if isinstance(items, str) else items)]:
            entry = normalize(str(item))
            if not is_meaningful(entry):
                continue
            if len(entry) <= 6:
                entries[label].add(entry)
            if len(entry) > 6 or item == label:
                entries[label].update(word for word in words(entry) if len(word) >= 2)
    spread = Counter(keyword for found in entries.values() for keyword in found)
    count = len(labels)
    keywords = [
        (keyword, index, math.log(1 + count / spread[keyword]) / math.log(1 + count))
        for index, label in enumerate(labels)
        for keyword in sorted(entries[label])
    ]
    return Classifier(labels, _KeywordModel(keywords, count), calibration="keyword evidence softmax")


# ------------------------------------------------------------------------------------------------ evaluation


@dataclass
class Metrics:
    """How well predictions matched the truth on held-out texts.

    ``labels`` are the training labels plus any label met only in the test data, sorted; ``confusion`` has a
    row per true label and a column per predicted label in that order. ``macro_f1`` averages F1 over the
    labels that occur in the truth or in the predictions (as scikit-learn does); an undefined precision or
    recall counts as 0. For cross-validation, ``folds`` is the number of folds and ``fold_macro_f1`` each
    fold's macro-F1 (the figures above pool the out-of-fold predictions of all folds).
    """

    labels: list[str]
    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    training_size: int
    test_size: int
    folds: int = 0
    fold_macro_f1: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        return cls(
            labels=[str(label) for label in data["labels"]],
            macro_f1=float(data["macro_f1"]),
            accuracy=float(data["accuracy"]),
            per_class={
                str(label): {str(key): float(value) for key, value in figures.items()}
                for label, figures in data["per_class"].items()
            },
            confusion=[[int(cell) for cell in row] for row in data["confusion"]],
            training_size=int(data["training_size"]),
            test_size=int(data["test_size"]),
            folds=int(data.get("folds", 0)),
            fold_macro_f1=[float(value) for value in data.get("fold_macro_f1", [])],
        )


def score(
    true_labels: Sequence[str],
    predicted_labels: Sequence[str | None],
    *,
    labels: Iterable[str] = (),
    training_size: int = 0,
) -> Metrics:
    """Metrics of ``predicted_labels`` against ``true_labels`` (a None prediction is simply wrong).

    ``labels`` adds labels to report even when they occur in neither sequence (a model's own labels).
    """
    if len(true_labels) != len(predicted_labels):
        raise ValueError("true and predicted labels differ in length")
    names = sorted(
        set(labels) | set(true_labels) | {label for label in predicted_labels if label is not None}
    )
    position = {name: index for index, name in enumerate(names)}
    confusion = np.zeros((len(names), len(names)), dtype=np.int64)
    wrong_none = np.zeros(len(names), dtype=np.int64)  # predicted None: a miss of the true label, no column
    for truth, guess in zip(true_labels, predicted_labels, strict=True):
        if guess is None:
            wrong_none[position[truth]] += 1
        else:
            confusion[position[truth], position[guess]] += 1
    support = confusion.sum(axis=1) + wrong_none
    predicted = confusion.sum(axis=0)
    correct = np.diag(confusion)
    per_class: dict[str, dict[str, float]] = {}
    averaged: list[float] = []
    for index, name in enumerate(names):
        precision = correct[index] / predicted[index] if predicted[index] else 0.0
        recall = correct[index] / support[index] if support[index] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(support[index]),
        }
        if support[index] or predicted[index]:
            averaged.append(float(f1))
    total = len(true_labels)
    return Metrics(
        labels=names,
        macro_f1=float(np.mean(averaged)) if averaged else 0.0,
        accuracy=float(correct.sum() / total) if total else 0.0,
        per_class=per_class,
        confusion=confusion.tolist(),
        training_size=training_size,
        test_size=total,
    )


def split(labels: Sequence[Any], *, test_size: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """Stratified, deterministic train/test row indices (each sorted) for the given labels.

    Within each label (labels sorted, rows shuffled with ``seed``), ``round(n · test_size)`` rows go to the
    test part, but at least one when the label has two rows or more and never all of them: a label with a
    single row stays in training.
    """
    if not 0 < test_size < 1:
        raise ValueError("test_size must be between 0 and 1")
    rng = np.random.default_rng(seed)
    keys = ["" if label is None else str(label).strip() for label in labels]
    train_rows: list[int] = []
    test_rows: list[int] = []
    for key in sorted(set(keys)):
        rows = np.array([index for index, value in enumerate(keys) if value == key], dtype=np.int64)
        rng.shuffle(rows)
        size = rows.shape[0]
        count = min(size - 1, max(1 if size >= 2 else 0, round(size * test_size)))
        test_rows.extend(int(row) for row in rows[:count])
        train_rows.extend(int(row) for row in rows[count:])
    return sorted(train_rows), sorted(test_rows)


def _usable_tests(texts: Sequence[Any], labels: Sequence[Any]) -> tuple[list[str], list[str]]:
    rows = [
        (text, str(label).strip())
        for text, label in zip(texts, labels, strict=True)
        if isinstance(text, str) and label is not None and str(label).strip() and is_meaningful(text)
    ]
    return [text for text, _label in rows], [label for _text, label in rows]


def evaluate_holdout(
    train_texts: Sequence[Any],
    train_labels: Sequence[Any],
    test_texts: Sequence[Any],
    test_labels: Sequence[Any],
    *,
    seed: int = 0,
) -> Metrics:
    """Train on one part, score on the other.

    Test rows that :func:`prepare` would drop (no meaningful text, no label) are left out of the figures;
    test rows of a category the model does not know (too small to train on) count as misses.
    """
    classifier = train(train_texts, train_labels, seed=seed)
    texts, truth = _usable_tests(test_texts, test_labels)
    guesses = [prediction.label for prediction in classifier.predict(texts, top=1)]
    return score(truth, guesses, labels=classifier.labels, training_size=classifier.training_size)


def cross_validate(texts: Sequence[Any], labels: Sequence[Any], *, folds: int = 5, seed: int = 0) -> Metrics:
    """Stratified k-fold cross-validation of :func:`train`'s model on data cleaned by :func:`prepare`.

    The number of folds is reduced to the smallest category's size (prepared data has at least 2 of each, so
    at least 2 folds) so that every fold holds every category; ``Metrics.folds`` says how many were used. Each
    fold trains on the others (without calibrating: only the predicted labels count here); the figures pool
    the out-of-fold predictions, ``fold_macro_f1`` lists each fold's own macro-F1.
    """
    prepared = prepare(texts, labels)
    label_counts = Counter(prepared.labels)
    used = max(2, min(folds, min(label_counts.values())))
    ordered = sorted(label_counts)
    targets = np.array([ordered.index(label) for label in prepared.labels], dtype=np.int64)
    assignment = _folds(targets, used, seed)
    guesses: list[str | None] = [None] * len(prepared.texts)
    fold_scores: list[float] = []
    for fold in range(used):
        inside = np.flatnonzero(assignment != fold)
        outside = np.flatnonzero(assignment == fold)
        part = PreparedData(
            texts=[prepared.texts[row] for row in inside],
            labels=[prepared.labels[row] for row in inside],
            warnings=[],
            dropped=0,
        )
        classifier = _fit(part, seed, calibrate=False)
        predictions = classifier.predict([prepared.texts[row] for row in outside], top=1)
        for row, prediction in zip(outside, predictions, strict=True):
            guesses[int(row)] = prediction.label
        fold_scores.append(
            score(
                [prepared.labels[row] for row in outside],
                [guesses[int(row)] for row in outside],
                labels=ordered,
            ).macro_f1
        )
    metrics = score(prepared.labels, guesses, labels=ordered, training_size=len(prepared.texts))
    metrics.folds = used
    metrics.fold_macro_f1 = fold_scores
    return metrics
