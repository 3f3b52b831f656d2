"""Address resolution against the real data, with addresses in Quzhou's six county-level divisions."""

from __future__ import annotations

import pytest

from suyuan.regions import address
from suyuan.regions.address import normalise, region_aliases, resolve_address
from suyuan.regions.choices import RegionLevel, ResolutionStatus
from suyuan.regions.models import Region
from suyuan.regions.services import regions_load

RESOLVED = [
    # 柯城区
    ("衢州市柯城区信安街道斗潭社区3幢201室", "330802008001"),
    ("柯城区航埠镇彭村村12号", "330802101207"),
    ("衢州市柯城区府山街道", "330802006"),
    ("柯城", "330802"),
    # 衢江区
    ("衢江区周家乡周家村5组", "330803206223"),
    ("衢州衢江廿里镇石塘背村", "330803112212"),
    # 江山市
    ("浙江省衢州市江山市双塔街道城北社区XX号", "330881001003"),
    ("江山市双塔街道城北社区", "330881001003"),
    ("江山市城北社区", "330881001003"),  # the only one in Jiangshan
    ("衢州江山双塔城北3组", "330881001003"),
    ("江山市贺村镇耕读村委会", "330881121208"),
    ("江山贺村耕读村18号", "330881121208"),
    ("浙江省衢州市江山市贺村镇贺村村", "330881121228"),
    # 常山县
    ("常山县天马街道东方红村委会", "330822001200"),
    ("常山球川王家村", "330822111230"),  # 王家村 is also in Kecheng and Kaihua
    # 开化县
    ("开化县华埠镇城北社区", "330824115004"),
    ("开化村头镇上村头村", "330824113230"),
    # 龙游县
    ("龙游县沐尘畲族乡沐尘村", "330825212223"),
    ("龙游沐尘坑头村", "330825212229"),
    ("龙游湖镇", "330825101"),  # 湖镇镇 is the town of 湖镇
    # elsewhere, for contrast
    ("杭州市西湖区", "330106"),
    ("杭州市上城区清波街道清波门社区", "330102001051"),
    ("北京市朝阳区", "110105"),
    ("上海浦东", "310115"),
    ("延边", "2224"),
    ("景宁", "331127"),
]


@pytest.mark.parametrize(("text", "code"), RESOLVED)
def test_an_address_resolves_to_the_deepest_region_it_names(regions, text, code):
    resolution = resolve_address(text)

    assert resolution.status == ResolutionStatus.RESOLVED
    assert resolution.region is not None
    assert resolution.region.code == code
    assert resolution.chain[-1] == resolution.region
    assert resolution.candidates == ()


def test_the_chain_and_span_point_into_the_original_text(regions):
    text = "住址：浙江省衢州市江山市双塔街道城北社区中山路12号3幢"
    resolution = resolve_address(text)

    assert [region.code for region in resolution.chain] == [
        "33",
        "3308",
        "330881",
        "330881001",
        "330881001003",
    ]
    assert resolution.span == (3, 20)
    assert resolution.matched_text == "浙江省衢州市江山市双塔街道城北社区"
    assert resolution.region is not None
    assert resolution.region.full_name == "浙江省衢州市江山市双塔街道城北社区"


def test_full_width_characters_and_spaces_do_not_matter(regions):
    text = "ＸＸ浙江省 衢州市\u3000江山市，双塔街道城北社区１２号"
    resolution = resolve_address(text)

    assert resolution.status == ResolutionStatus.RESOLVED
    assert resolution.region is not None
    assert resolution.region.code == "330881001003"
    assert resolution.matched_text == "浙江省 衢州市\u3000江山市，双塔街道城北社区"


def test_a_shortened_name_running_into_other_words_is_not_taken(regions):
    # 城北 in 城北路 is a road, not 城北社区: the township is as far as the text goes.
    resolution = resolve_address("江山双塔城北路15号")

    assert resolution.status == ResolutionStatus.RESOLVED
    assert resolution.region is not None
    assert resolution.region.code == "330881001"
    assert resolution.matched_text == "江山双塔"


def test_a_full_name_followed_by_other_words_is_taken(regions):
    resolution = resolve_address("江山市人民医院")

    assert resolution.region is not None
    assert (resolution.status, resolution.region.code) == (ResolutionStatus.RESOLVED, "330881")


AMBIGUOUS = [
    # a village name found in two townships of the county the text names
    ("龙游县坑头村", "330825", ["330825106233", "330825212229"]),
    ("龙游县新建村7号", "330825", ["330825002207", "330825101204"]),
    ("柯城区姚家村", "330802", ["330802101234", "330802214201"]),
    # in four counties of Quzhou
    (
        "衢州市山底村",
        "3308",
        ["330802205205", "330822108224", "330824116235", "330825001214", "330881121217"],
    ),
    ("衢州城北社区", "3308", ["330824115004", "330881001003"]),
    ("杭州城北社区", "3301", ["330109002048", "330127100019"]),
    # same district name in two provinces: nothing in common
    ("西湖区", None, ["330106", "360103"]),
    ("朝阳区", None, ["110105", "220104"]),
    # the township and a village inside it: the township is certain
    ("沐尘", "330825212", ["330825212", "330825212223"]),
]


@pytest.mark.parametrize(("text", "common", "candidates"), AMBIGUOUS)
def test_equally_good_readings_are_ambiguous(regions, text, common, candidates):
    resolution = resolve_address(text)

    assert resolution.status == ResolutionStatus.AMBIGUOUS
    assert [region.code for region in resolution.candidates] == candidates
    assert resolution.candidate_count == len(candidates)
    assert (resolution.region.code if resolution.region else None) == common
    assert resolution.chain == ()


def test_a_common_name_gives_many_candidates(regions):
    resolution = resolve_address("城北社区")

    assert resolution.status == ResolutionStatus.AMBIGUOUS
    assert resolution.candidate_count == 9  # all in Zhejiang, whose villages are the ones loaded
    assert "330881001003" in {region.code for region in resolution.candidates}
    assert resolution.region is not None
    assert resolution.region.code == "33"


def test_candidates_are_capped(regions):
    resolution = resolve_address("双溪村")

    assert resolution.status == ResolutionStatus.AMBIGUOUS
    assert resolution.candidate_count > address.MAX_CANDIDATES == len(resolution.candidates)


@pytest.mark.parametrize("text", ["", "   ", "请帮忙处理邻居噪音问题", "12号3幢", "火星奥林帕斯山"])
def test_text_without_a_region_is_unknown(regions, text):
    resolution = resolve_address(text)

    assert resolution.status == ResolutionStatus.UNKNOWN
    assert (resolution.region, resolution.span, resolution.chain, resolution.candidates) == (
        None,
        None,
        (),
        (),
    )
    assert resolution.matched_text == ""


@pytest.mark.parametrize(
    ("name", "strong", "weak"),
    [
        ("浙江省", {"浙江省"}, {"浙江"}),
        ("双塔街道", {"双塔街道"}, {"双塔"}),
        ("新塘坞村委会", {"新塘坞村委会", "新塘坞村"}, {"新塘坞"}),
        ("郑村村委会", {"郑村村委会", "郑村村", "郑村"}, set()),
        ("平棋村民委员会", {"平棋村民委员会", "平棋村"}, {"平棋"}),
        ("继洲社区居委会", {"继洲社区居委会", "继洲社区"}, {"继洲"}),
        ("延边朝鲜族自治州", {"延边朝鲜族自治州"}, {"延边"}),
        ("新疆维吾尔自治区", {"新疆维吾尔自治区"}, {"新疆"}),
        ("沐尘畲族乡", {"沐尘畲族乡"}, {"沐尘"}),
        ("城区", {"城区"}, set()),  # 城 alone would match anything
        ("科技城（东渚街道）", {"科技城(东渚街道)", "科技城"}, set()),
        ("市辖区", set(), set()),
    ],
)
def test_region_aliases(name, strong, weak):
    assert region_aliases(name) == (strong, weak)


def test_normalise_keeps_the_original_offsets():
    text, starts, ends = normalise("浙江 ， 衢州１号")

    assert text == "浙江 衢州1号"
    assert (starts[2], ends[2]) == (2, 5)  # the separators became one space
    assert (starts[5], ends[5]) == (7, 8)


def test_the_index_is_built_once(regions, django_assert_num_queries):
    index = address.get_index()

    with django_assert_num_queries(0):
        resolve_address("江山市双塔街道")
        resolve_address("龙游县坑头村")
    assert address.get_index() is index


def test_the_index_follows_regions_saved_one_by_one(regions):
    resolve_address("江山市")
    Region.objects.create(
        code="330881001999",
        name="新湖村委会",
        level=RegionLevel.VILLAGE,
        parent_id="330881001",
        full_name="x",
    )

    assert resolve_address("江山市双塔街道新湖村").region.code == "330881001999"  # type: ignore[union-attr]


def test_the_index_follows_the_loader(regions):
    resolve_address("江山市")
    # A change behind the ORM's back (no signal) is not seen...
    Region.objects.filter(code="330881001003").update(name="城南社区")
    assert resolve_address("江山市双塔街道城北社区").region.code == "330881001003"  # type: ignore[union-attr]

    # ...until the loader, which puts the name back, says the regions changed.
    assert regions_load(province="33", villages=True).updated == 1
    assert resolve_address("江山市双塔街道城南社区").region.code == "330881001"  # type: ignore[union-attr]


def test_another_process_changing_regions_is_noticed(regions, monkeypatch):
    index = address.get_index()
    monkeypatch.setattr(address, "CHECK_SECONDS", 0.0)

    assert address.get_index() is index  # no generation in the cache yet: nothing to go by
    address.cache.set(address.CACHE_KEY, "changed elsewhere")

    assert address.get_index() is not index
