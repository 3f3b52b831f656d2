"""Scoring a stored classifier on labelled texts, in the same figures as training reports.

Used to compare the active version with a candidate on the candidate's held-back split.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from suyuan.triage.classifier import Classifier, Metrics


def score(
    model: Classifier, texts: Sequence[str], labels: Sequence[str], *, training_size: int
) -> dict[str, Any]:
    """Return ``Metrics.to_dict()`` of ``model`` on ``texts``; a class the model does not know counts as a miss."""
    predicted = [p.label or "" for p in model.predict(list(texts), top=1)]
    classes = sorted(set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        list(labels), predicted, labels=classes, zero_division=0
    )
    correct = sum(1 for truth, guess in zip(labels, predicted, strict=True) if truth == guess)
    metrics = Metrics(
        labels=classes,
        macro_f1=float(f1.mean()) if len(classes) else 0.0,
        accuracy=correct / len(labels) if labels else 0.0,
        per_class={
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(classes)
        },
        confusion=confusion_matrix(list(labels), predicted, labels=classes).tolist(),
        training_size=training_size,
        test_size=len(labels),
    )
    return metrics.to_dict()
