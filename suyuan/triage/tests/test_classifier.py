"""The triage classifier on small hand-written data: preparing, training, predicting, saving, evaluating."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from suyuan.triage.classifier import (
    Classifier,
    Metrics,
    Prediction,
    TrainingError,
    cross_validate,
    evaluate_holdout,
    from_keywords,
    prepare,
    score,
    split,
    train,
)

TOY: dict[str, list[str]] = {
    "劳动争议": [
        "老板拖欠我们三个月工资不发",
        "公司不给缴纳社保还拖欠工资",
        "在工地干活受了工伤老板不管",
        "单位没签劳动合同就把我辞退了",
        "加班费一直不给，工资被克扣",
        "包工头跑路了，农民工工资没人发",
        "公司裁员不给经济补偿金",
        "工厂拖欠工资，工人讨薪无门",
    ],
    "婚姻家庭": [
        "我和丈夫感情破裂想要离婚",
        "离婚后孩子的抚养费对方不给",
        "妻子要离婚，争夺孩子抚养权",
        "父母年老了，子女不尽赡养义务",
        "婚后财产怎么分割，丈夫不同意",
        "老人去世后兄弟姐妹争遗产继承",
        "夫妻吵架闹离婚，彩礼要不要退",
        "前夫不让我探望孩子",
    ],
    "邻里纠纷": [
        "楼上邻居天天半夜噪音吵得睡不着",
        "邻居家装修漏水把我家天花板泡坏了",
        "隔壁邻居占用楼道堆放杂物",
        "邻居家的狗每天乱叫还随地大小便",
        "邻居在院子边上违规搭建挡住采光",
        "楼上邻居往下扔垃圾",
        "邻居装空调外机对着我家窗户",
        "和邻居因为宅基地边界吵起来了",
    ],
    "交通事故": [
        "骑电动车被小轿车撞了，司机逃逸",
        "发生交通事故，保险公司拒绝理赔",
        "开车追尾了，对方要求高额赔偿",
        "过马路被货车撞伤住院",
        "交通事故责任认定书不服",
        "出租车撞了行人，赔偿谈不拢",
        "停车时被别的车剐蹭，车主不肯赔",
        "摩托车和汽车相撞，医药费谁出",
    ],
    "物业纠纷": [
        "物业公司乱收物业费，服务很差",
        "小区电梯坏了物业一直不修",
        "物业不管小区绿化和卫生",
        "业主委员会和物业公司闹矛盾",
        "小区停车位被物业高价出租",
        "物业断水断电逼业主交物业费",
        "小区门禁坏了物业不处理",
        "物业公司挪用公共维修基金",
    ],
    "消费纠纷": [
        "网上买的手机是假货，商家不退款",
        "健身房老板跑路，会员卡的钱退不了",
        "超市卖过期食品，要求退一赔十",
        "装修公司收了定金不开工",
        "买的电视机坏了商家不给保修",
        "培训机构不退学费",
        "饭店吃出异物，老板拒绝赔偿",
        "预付卡消费后商家关门，余额退不了",
    ],
}


def toy_rows() -> tuple[list[str], list[str]]:
    texts = [text for examples in TOY.values() for text in examples]
    labels = [label for label, examples in TOY.items() for _ in examples]
    return texts, labels


@pytest.fixture(scope="module")
def toy_classifier() -> Classifier:
    texts, labels = toy_rows()
    return train(texts, labels, seed=0)


# --------------------------------------------------------------------------------------------------- prepare


def test_prepare_drops_bad_rows_and_warns_once_with_the_count() -> None:
    texts: list[Any] = ["拖欠工资", "", "？？？", "要求离婚", None, "工伤赔偿", "抚养费", "有文字"]
    labels: list[Any] = [
        " 劳动争议 ",
        "劳动争议",
        "劳动争议",
        "婚姻家庭",
        "婚姻家庭",
        "劳动争议",
        "婚姻家庭",
        "  ",
    ]
    prepared = prepare(texts, labels)
    assert prepared.texts == ["拖欠工资", "要求离婚", "工伤赔偿", "抚养费"]
    assert prepared.labels == ["劳动争议", "婚姻家庭", "劳动争议", "婚姻家庭"]
    assert prepared.dropped == 4
    assert len(prepared.warnings) == 1
    assert "4" in prepared.warnings[0]


def test_prepare_drops_a_class_with_too_few_examples_naming_it() -> None:
    prepared = prepare(
        ["拖欠工资", "工伤赔偿", "要求离婚", "抚养费", "邻居噪音"],
        ["劳动争议", "劳动争议", "婚姻家庭", "婚姻家庭", "邻里纠纷"],
    )
    assert set(prepared.labels) == {"劳动争议", "婚姻家庭"}
    assert prepared.dropped == 1
    assert len(prepared.warnings) == 1
    assert "邻里纠纷" in prepared.warnings[0]
    assert len(prepare(["拖欠工资", "要求离婚"], ["甲", "乙"], min_per_class=1).texts) == 2


@pytest.mark.parametrize(
    ("texts", "labels"),
    [
        ([], []),
        (["", "???"], ["甲", "乙"]),
        (["拖欠工资", "工伤赔偿", "社保不交"], ["劳动争议"] * 3),
        (["拖欠工资", "工伤赔偿", "要求离婚"], ["劳动争议", "劳动争议", "婚姻家庭"]),
        (["拖欠工资"], ["劳动争议", "婚姻家庭"]),
    ],
)
def test_prepare_refuses_what_cannot_train_with_a_message(texts: list[str], labels: list[str]) -> None:
    with pytest.raises(TrainingError) as raised:
        prepare(texts, labels)
    assert str(raised.value)
    with pytest.raises(TrainingError):
        train(texts, labels)


def test_training_error_is_a_value_error() -> None:
    assert issubclass(TrainingError, ValueError)


# ----------------------------------------------------------------------------------------- train and predict


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("老板拖欠工资半年了", "劳动争议"),
        ("我想和丈夫离婚，孩子抚养权归谁", "婚姻家庭"),
        ("楼上邻居半夜噪音太大", "邻里纠纷"),
        ("被小轿车撞了，保险公司不理赔", "交通事故"),
        ("物业公司不修电梯还收物业费", "物业纠纷"),
        ("商家卖假货不退款", "消费纠纷"),
    ],
)
def test_clear_cases_get_their_label(toy_classifier: Classifier, text: str, label: str) -> None:
    prediction = toy_classifier.predict_one(text)
    assert prediction.label == label
    assert prediction.confidence > 1 / len(TOY)


def test_predictions_are_probabilities_sorted_and_rounded(toy_classifier: Classifier) -> None:
    assert toy_classifier.kind == "learned"
    assert toy_classifier.labels == sorted(TOY)
    assert toy_classifier.training_size == 48
    assert "out-of-fold" in toy_classifier.calibration
    for prediction in toy_classifier.predict(["工资和离婚的问题都有", "物业费", "车子被撞"], top=4):
        assert 0.0 <= prediction.confidence <= 1.0
        assert len(prediction.top) == 4
        assert prediction.top[0] == (prediction.label, prediction.confidence)
        probabilities = [probability for _label, probability in prediction.top]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(probability == round(probability, 4) for probability in probabilities)
    rows = toy_classifier.probabilities(["拖欠工资", "邻居漏水"])
    assert rows.shape == (2, 6)
    assert np.allclose(rows.sum(axis=1), 1.0)


def test_top_limits_the_list(toy_classifier: Classifier) -> None:
    assert len(toy_classifier.predict_one("拖欠工资", top=1).top) == 1
    assert len(toy_classifier.predict_one("拖欠工资", top=10).top) == 6
    empty_top = toy_classifier.predict_one("拖欠工资", top=0)
    assert empty_top.top == []
    assert empty_top.label == "劳动争议"


@pytest.mark.parametrize("text", ["", "   ", "？？？！！！", "12345", "😀😀", "啊"])
def test_garbage_gets_no_label(toy_classifier: Classifier, text: str) -> None:
    assert toy_classifier.predict_one(text) == Prediction(None, 0.0, [])


def test_predict_keeps_the_order_and_handles_empty_input(toy_classifier: Classifier) -> None:
    odd: list[Any] = ["拖欠工资", "", None, "邻居噪音"]
    labels = [prediction.label for prediction in toy_classifier.predict(odd)]
    assert labels == ["劳动争议", None, None, "邻里纠纷"]
    assert toy_classifier.predict([]) == []


def test_a_large_batch_predicts_what_single_texts_do(toy_classifier: Classifier) -> None:
    texts, _labels = toy_rows()
    many = [f"{text}，第{index}次反映" for index, text in enumerate(texts * 6)]  # 288 texts: two batches
    assert toy_classifier.predict(many) == [toy_classifier.predict_one(text) for text in many]


def test_a_very_long_or_strange_text_is_predicted(toy_classifier: Classifier) -> None:
    assert toy_classifier.predict_one("拖欠工资" * 10000).label == "劳动争议"
    assert toy_classifier.predict_one("Hello world, 工资 😀 \x00\ud800").label is not None


def test_two_classes_work() -> None:
    classifier = train(TOY["劳动争议"] + TOY["婚姻家庭"], ["劳动争议"] * 8 + ["婚姻家庭"] * 8)
    assert classifier.predict_one("拖欠工资").label == "劳动争议"
    assert classifier.predict_one("要求离婚").label == "婚姻家庭"
    assert np.allclose(classifier.probabilities(["拖欠工资"]).sum(), 1.0)


def test_few_shot_with_many_classes_works() -> None:
    """20 categories of 4 examples each: every n-gram counts (min_df 1) and calibration folds shrink to 3."""
    joined = "工资离婚噪音车祸物业假货拆迁宅基医疗学费贷款租房养老彩礼污染保险快递装修土地山林"
    topics = [joined[start : start + 2] for start in range(0, len(joined), 2)]
    texts = [f"{template}{topic}{tail}" for topic in topics for template, tail in _FRAMES]
    labels = [f"类{index:02d}" for index in range(len(topics)) for _ in _FRAMES]
    classifier = train(texts, labels)
    assert len(classifier.labels) == 20
    assert "3-fold" in classifier.calibration
    assert classifier.predict_one("关于山林的问题想咨询").label == "类19"
    assert 0.0 < classifier.predict_one("关于山林的问题想咨询").confidence <= 1.0


_FRAMES = [("我要反映", "的问题"), ("请帮忙解决", "纠纷"), ("", "这件事怎么办"), ("关于", "想咨询一下")]


# ------------------------------------------------------------------------------------------------- serialise


def test_dumps_and_loads_give_identical_predictions(toy_classifier: Classifier) -> None:
    data = toy_classifier.dumps()
    assert isinstance(data, bytes)
    loaded = Classifier.loads(data)
    assert loaded.labels == toy_classifier.labels
    assert loaded.kind == "learned"
    assert loaded.calibration == toy_classifier.calibration
    assert loaded.temperature == toy_classifier.temperature
    texts = ["拖欠工资半年", "邻居漏水", "商家不退款", "？？", "撞车了对方逃逸"]
    assert loaded.predict(texts, top=6) == toy_classifier.predict(texts, top=6)
    assert loaded.dumps() == data


@pytest.mark.parametrize("data", [b"", b"not a model", b"PK\x03\x04broken"])
def test_loads_refuses_other_bytes(data: bytes) -> None:
    with pytest.raises(ValueError):
        Classifier.loads(data)


# -------------------------------------------------------------------------------------------------- keywords


TAXONOMY = {
    "劳动争议": ["工资", "拖欠", "欠薪", "劳动合同", "工伤", "社保"],
    "婚姻家庭": ["离婚", "抚养", "赡养", "彩礼", "婚姻"],
    "邻里纠纷": ["邻居", "噪音", "漏水", "采光"],
    "物业纠纷": ["物业", "电梯", "小区停车位管理混乱"],
}


def test_keywords_give_sensible_and_modest_predictions() -> None:
    classifier = from_keywords(TAXONOMY)
    assert classifier.kind == "keywords"
    assert classifier.labels == sorted(TAXONOMY)
    one = classifier.predict_one("老板欠薪")
    assert one.label == "劳动争议"
    several = classifier.predict_one("老板拖欠工资，还不交社保，工伤也不管")
    assert several.label == "劳动争议"
    assert 1 / 4 < one.confidence < several.confidence < 0.95
    assert classifier.predict_one("楼上邻居噪音很大").label == "邻里纠纷"
    assert classifier.predict_one("小区停车位太少").label == "物业纠纷"  # a word of a description


def test_a_text_without_keywords_gets_an_even_split() -> None:
    classifier = from_keywords(TAXONOMY)
    prediction = classifier.predict_one("今天天气很好")
    assert prediction.confidence == pytest.approx(0.25, abs=1e-4)
    assert classifier.predict_one("？？？") == Prediction(None, 0.0, [])


def test_keywords_round_trip() -> None:
    classifier = from_keywords(TAXONOMY)
    loaded = Classifier.loads(classifier.dumps())
    texts = ["老板欠薪", "要离婚", "今天天气很好", "物业不修电梯"]
    assert loaded.kind == "keywords"
    assert loaded.predict(texts) == classifier.predict(texts)


def test_keywords_need_two_categories() -> None:
    with pytest.raises(TrainingError):
        from_keywords({"劳动争议": ["工资"]})


# ----------------------------------------------------------------------------------------------------- split


def test_split_is_stratified_and_deterministic() -> None:
    labels = ["甲"] * 10 + ["乙"] * 5 + ["丙"] * 2 + ["丁"]
    train_rows, test_rows = split(labels, test_size=0.2, seed=3)
    assert sorted(train_rows + test_rows) == list(range(len(labels)))
    assert not set(train_rows) & set(test_rows)
    counts = {label: sum(labels[row] == label for row in test_rows) for label in "甲乙丙丁"}
    assert counts == {"甲": 2, "乙": 1, "丙": 1, "丁": 0}
    assert split(labels, test_size=0.2, seed=3) == (train_rows, test_rows)
    assert split(labels, test_size=0.2, seed=4) != (train_rows, test_rows)


def test_split_refuses_a_silly_test_size() -> None:
    with pytest.raises(ValueError):
        split(["甲", "乙"], test_size=1.0)


# --------------------------------------------------------------------------------------------------- metrics


def test_score_by_hand() -> None:
    metrics = score(["a", "a", "b", "b"], ["a", "b", "b", "b"], training_size=10)
    assert metrics.labels == ["a", "b"]
    assert metrics.confusion == [[1, 1], [0, 2]]
    assert metrics.accuracy == 0.75
    assert metrics.per_class["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 1 * 2,
    }
    assert metrics.per_class["b"]["precision"] == pytest.approx(2 / 3)
    assert metrics.per_class["b"]["f1"] == pytest.approx(0.8)
    assert metrics.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert (metrics.training_size, metrics.test_size) == (10, 4)


def test_score_counts_no_prediction_as_a_miss_and_reports_extra_labels() -> None:
    metrics = score(["a", "b"], ["a", None], labels=["c"])
    assert metrics.labels == ["a", "b", "c"]
    assert metrics.per_class["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics.macro_f1 == pytest.approx(0.5)  # c is neither true nor predicted: not averaged
    assert metrics.accuracy == 0.5


def test_metrics_round_trip_through_json() -> None:
    metrics = score(["a", "b", "b"], ["a", "b", "a"])
    metrics.folds = 3
    metrics.fold_macro_f1 = [0.5, 1.0]
    again = Metrics.from_dict(json.loads(json.dumps(metrics.to_dict())))
    assert again == metrics


def test_holdout_of_a_perfectly_learnt_set_scores_one() -> None:
    texts, labels = toy_rows()
    metrics = evaluate_holdout(texts, labels, [*texts, "？？？"], [*labels, "劳动争议"])
    assert metrics.macro_f1 == 1.0
    assert metrics.accuracy == 1.0
    assert metrics.test_size == 48  # the garbage row is left out
    assert metrics.training_size == 48
    confusion = np.array(metrics.confusion)
    assert (confusion == np.diag(np.diag(confusion))).all()
    assert list(np.diag(confusion)) == [8] * 6


def test_holdout_counts_an_unknown_test_label_as_missed() -> None:
    texts, labels = toy_rows()
    metrics = evaluate_holdout(texts, labels, ["拖欠工资", "土地承包到期"], ["劳动争议", "土地纠纷"])
    assert "土地纠纷" in metrics.labels
    assert metrics.per_class["土地纠纷"]["recall"] == 0.0
    assert metrics.accuracy == 0.5


def test_cross_validation_reduces_the_folds_to_the_smallest_class() -> None:
    texts, labels = toy_rows()
    texts += ["邻居漏水不修", "邻居吵闹"]
    labels += ["小类", "小类"]
    metrics = cross_validate(texts, labels, folds=5, seed=1)
    assert metrics.folds == 2
    assert len(metrics.fold_macro_f1) == 2
    assert metrics.test_size == metrics.training_size == 50
    assert sum(map(sum, metrics.confusion)) == 50
    assert metrics.accuracy > 0.5
    assert cross_validate(texts[:-2], labels[:-2], folds=4).folds == 4
