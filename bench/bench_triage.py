"""Benchmark the triage of one new matter with 100,000 and 1,000,000 matters already indexed, on SQLite and
PostgreSQL: ``triage.services.matter_triage`` as a whole and its parts.

Run from the project root: ``.venv/bin/python bench/bench_triage.py`` (or ``.venv/bin/python bench/run.py
triage``). ``BENCH_TRIAGE_DB=sqlite|postgres|both`` (default both) picks the databases and
``BENCH_TRIAGE_SIZES=100000,1000000`` (the default) the numbers of indexed matters, loaded one after the
other into the same database; ``BENCH_TRIAGE_PROFILE=1`` adds a cProfile of the last few triages. It prints
figures and asserts nothing about time.

Each database is a throwaway one: a SQLite file in a temporary directory, and a PostgreSQL database
``suyuan_bench_triage`` on 127.0.0.1:5432 (as ``postgres``), dropped at the end; PostgreSQL is skipped with
a message when it does not answer. Each is migrated, gets Zhejiang's regions and Quzhou's organisations
(``seed_demo --no-matters``), and two active models trained through ``services.model_train`` on 4,000
generated labelled texts: categories (16 classes) and handling organisations (the county's specialist
committee for the kind of dispute, else the township's centre: 124 classes).

The indexed matters are generated, never copied from anyone: Chinese accounts of disputes of the 16
categories from a small grammar (alternatives, slots for invented names, companies, Quzhou's village and
township names, sums, dates, plate numbers, addresses), with synonyms swapped and about 3 % of the
characters mistyped, so that accounts of the same kind of dispute share words but rarely whole phrases.
They were received over the last two years (older ones mostly closed), 3 % re-tell an earlier matter with
edits (usually from the same phone), 12 % of applicants come from a pool of people who file several matters,
and disputes about wages, contracts, property management and the like name a company from a skewed pool
(some employers have many matters). Texts and their signatures (``minhash.signature_matrix``, in worker
processes) are computed once per run and reused by the second database. Each matter is bulk-loaded with its
applicant (phone hash) and respondent, its ``triage_fingerprint`` row and its 32 ``triage_bandkey`` rows
(SQLite: ``executemany`` and ``json_each``; PostgreSQL: ``COPY``, binary for the index tables), the four
tables' secondary indexes dropped during the load and rebuilt after, foreign-key checks off while loading
(the rows are consistent by construction), and on PostgreSQL ``VACUUM ANALYZE`` after, as autovacuum would
do. SQLite gets no ``ANALYZE``, like a deployment. Loaded matters have no events. If loading the next size
on SQLite would take more than about six minutes (projected from the previous one), it is reduced and the
output says so. The growth of the four tables with their indexes (SQLite ``dbstat``, PostgreSQL
``pg_total_relation_size``) gives the index's bytes per matter.

Then, per database and size, new matters are filed for real through ``matters.services.matter_receive``
(a citizen on the portal; untimed) and triaged one by one with ``matter_triage(matter_id=...)``: 20
warm-ups, 300 timed, then 30 more with a log of every SQL statement. A quarter of them re-file a recent open
matter (edited, often from the same phone: "planted" duplicates, found or not), one in ten comes from the
phone of someone with an earlier matter about something else, the rest are new disputes. Parts are timed by
wrapping, while the whole runs, ``services.active_versions`` and ``services._predict`` (both models: the
active versions' rows in one query, the cached classifier, ``Classifier.predict_one``, also shown alone),
``services.party_links`` (one query for the repeat-visit fact and the duplicate search's same parties) with
``services._facts``, ``flags.detect``, ``minhash.signature``, ``services.find_duplicates``,
``services.find_group``, ``services._index`` and ``matter_triage_apply``; "writes and the rest" is the whole
minus the reading parts (loading and locking the matter, proposals, flags, candidates, the index rows, the
event, the commit). The issue's target names classification, duplicate search and flags: their sum per
triage has its own line (the group search and the writes are outside it). Percentiles are of 300
triages each (p99 is the third slowest), so the parts' percentiles do not add up to the whole's. Generated
accounts resemble each other more than real ones do: the output gives how many indexed matters share a band
key with each new one, which is what the duplicate search has to look at.
"""

from __future__ import annotations

import contextlib
import cProfile
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import math
import multiprocessing
import os
import pickle
import pstats
import random
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
PROFILE = os.environ.get("BENCH_TRIAGE_PROFILE", "") not in ("", "0")
SIZES = tuple(int(s) for s in os.environ.get("BENCH_TRIAGE_SIZES", "100000,1000000").split(",") if s.strip())
NEW_MATTERS = 300  # timed triages per database and size
WARMUP = 20  # triages before them, not timed
PROFILED = 30  # triages after them with a log of every SQL statement's time
TRAINING_TEXTS = 4000  # generated labelled texts for the two models
SQLITE_LOAD_BUDGET = 360.0  # seconds: a larger size that would take longer on SQLite is reduced
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
PG_NAME = "suyuan_bench_triage"
SEED = 20261129
SPAN_DAYS = 730  # the indexed matters were received over the last two years
NEW_BASE = 60_000_000  # generated indexes of the new matters (and of the training texts below)
TRAINING_BASE = 90_000_000

# --- Generated texts -------------------------------------------------------------------------------------
#
# A small grammar: "[a|b|c]" picks one alternative (they nest), "{slot}" is filled once per matter (a name,
# a place, a sum, a date). Every text, name and company below is invented for the benchmark.


class _Slot(str):
    """A slot's name in a compiled pattern."""


def _parse(text: str, i: int = 0, stop: str = "") -> tuple[tuple, int]:
    items: list = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            items.append("".join(buf))
            buf.clear()

    while i < len(text):
        ch = text[i]
        if ch in stop:
            break
        if ch == "[":
            flush()
            alternatives = []
            i += 1
            while True:
                seq, i = _parse(text, i, "|]")
                alternatives.append(seq)
                i += 1
                if text[i - 1] == "]":
                    break
            items.append(alternatives)
        elif ch == "{":
            end = text.index("}", i)
            flush()
            items.append(_Slot(text[i + 1 : end]))
            i = end + 1
        else:
            buf.append(ch)
            i += 1
    flush()
    return tuple(items), i


def _compile(patterns: list[str]) -> list[tuple]:
    return [_parse(p)[0] for p in patterns]


def _words(text: str) -> list[str]:
    return text.split()


def _render(seq: tuple, rng: random.Random, slot, out: list[str]) -> None:
    for item in seq:
        if type(item) is str:
            out.append(item)
        elif type(item) is list:
            _render(item[int(rng.random() * len(item))], rng, slot, out)
        else:
            out.append(slot(item))


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤祝占柴徐管鲁翁"
)
GIVEN = "建国华明丽芳军平伟红英秀兰敏静强磊洋勇艳杰娟涛超霞刚桂波辉玲宇鹏飞斌萍燕亮琴云峰林海文凤春梅新志荣德福永庆金水根土旺喜"
BRANDS = _words(
    "恒达 鑫源 宏远 天成 金诚 华盛 联创 新锐 博远 永泰 顺发 兴业 锦程 瑞丰 众诚 德润 佳和 明阳 凯旋 泰和 万通 安信 鼎盛 嘉禾"
    " 立信 和美 长兴 信达 利民 同创 汇金 盛世 丰泽 润华 富康 广源 金桥 银河 绿源 远航 宏图 腾飞 东升 旭日 诚信 昌盛 隆达 顺通"
    " 卓越 恒信 亿达 金鼎 华瑞 天润 祥和 聚力 鸿运 金阳 益民 万家 四季 金秋 新程 江源 衢达 柯宏 钱江 浙鑫 仙霞 须江 烂柯"
)
RELATIVES = _words(
    "父亲 母亲 丈夫 妻子 儿子 女儿 哥哥 弟弟 姐姐 妹妹 公公 婆婆 岳父 岳母 外婆 爷爷 奶奶 侄子"
)
OLDER = _words("父亲 母亲 公公 婆婆 爷爷 奶奶 外婆 岳父")


@dataclass(frozen=True)
class Topic:
    """A kind of dispute: its category code, how often it comes, who is on the other side, what is said."""

    code: str
    weight: int
    org_share: float  # how often the respondent is an organisation rather than a person
    companies: tuple[str, ...]  # what such an organisation is ("{brand}" + this)
    amount: tuple[int, int]  # yuan, low and high
    titles: tuple[str, ...]
    events: tuple[str, ...]
    wants: tuple[str, ...]


def _topic(code, weight, org_share, companies, amount, titles, events, wants) -> Topic:
    return Topic(
        code, weight, org_share, tuple(companies), amount, tuple(titles), tuple(events), tuple(wants)
    )


TOPICS = (
    _topic("marriage_family", 14, 0.0, (), (600, 200_000),
        ["[离婚后|离婚]{R}拖欠[抚养费|孩子抚养费]", "[兄妹|兄弟|姐弟][赡养|照顾]{old}[纠纷|矛盾|费用分摊]", "[夫妻|家庭]矛盾[激化|升级|严重]",
         "{old}[赡养费|生活费]无人[承担|支付]", "[婚前|结婚]彩礼[返还|退还]纠纷", "[离婚|分家]财产分割[争议|纠纷]"],
        ["[我|申请人]与{R}[于|在]{yr}[协议离婚|经法院判决离婚|办理离婚手续]，孩子[随我|跟着我|由我抚养]生活[，|]",
         "[约定|离婚协议写明|判决确定]{R}每月[支付|给付]抚养费{amt2}，[自|从]{mon}[起|开始]就[不再支付|停止支付|一分钱没给]",
         "[至今|到现在|已经]拖欠[了|]{dur}，[打电话|发微信|上门]催要[都没有结果|对方也不理|被拉黑了]",
         "{old}今年{age}岁，[常年患病|身体不好|行动不便|刚做完手术]，[兄妹|兄弟姐妹]{n}人对[赡养费|轮流照顾|医药费分摊][意见不一|谈不拢|互相推诿]",
         "{R}[近半年|这两年|{dur}来][没有|从不|一直不肯]分担[医药费|生活费|护理费]，[我|申请人]已经[先行|自己]垫付{amt}",
         "[我们|双方][因|为了][家庭开支|照顾老人|孩子上学|买房|还房贷][问题|的事][长期|经常|天天]争吵，{R}[搬到外面住|回了娘家|外出打工后]就[不接电话|不管家里|失去联系]",
         "[订婚时|结婚前]给了女方家彩礼{amt}，[婚后|领证后]不到{n}个月[就分居|女方就提出离婚|双方就闹翻了]，[对方|女方家]不同意[退还|返还]",
         "[离婚时|分家时]对[房子|车子|存款|共同债务|店面]怎么分[没有说清楚|一直有争议|协商不成]，[涉及|大约]{amt}"],
        ["[按协议|按判决|依法][补齐|付清][拖欠的|]抚养费[，今后按时支付|]", "[兄妹|兄弟姐妹]共同[商定|签订][赡养协议|分摊办法]",
         "[由调解员|请村里|请社区][出面|组织]调解[，明确生活费和孩子接送安排|]", "[退还|返还][部分|全部]彩礼", "依法分割[共同财产|房产|存款]"]),
    _topic("neighbours", 16, 0.0, (), (500, 30_000),
        ["[楼上|隔壁|邻居][装修|施工]噪音[扰民|影响休息]", "[翻建|新建|改建]房屋[引发|导致]邻里[纠纷|矛盾]", "邻居[占用|堵塞][公共通道|过道|排水沟]",
         "[邻居|隔壁][饲养|养]{pet}[扰民|影响生活]", "[雨水|污水|积水]流入邻居家[纠纷|矛盾]", "邻里[采光|通风|滴水]纠纷"],
        ["[楼上|隔壁|对门|邻居]{R}[从|自]{d}[开始|起]装修，[经常|几乎每天][晚上九点以后|中午|周末早上]还在[施工|打钻|敲墙]",
         "[电钻声|敲打声|噪音][影响|吵得][家里老人休息|孩子学习|我们睡不着觉][，|]当面[沟通|说]过{n}次[没有改善|也没用|对方反而骂人]",
         "{R}{mon}翻建房屋时把[院子|地基|地坪][抬高了|加高了]约{m}公分，下雨[时|天][积水|雨水]全[流向|流到|灌进]我家[一侧|院子|墙脚]",
         "[墙脚渗水|墙面发霉|地板泡坏|屋里进水]，[估算|请师傅看过]修复[要|需要]{amt}，[双方|两家]为此[多次争吵|差点动手|闹得很僵]",
         "{R}[长期|一直|多年]在[两家|我们]共用的[通道|过道|巷子|楼道]上[堆放|堆满了][柴火|建材|杂物|废品]，[电动车|老人|轮椅][进出|通行]都不方便",
         "{R}在[两家之间的空地上|自家院子里|楼顶]搭棚养了{m}只{pet}，[气味|叫声|蚊蝇][很大|影响生活|让人受不了]",
         "[新房|新楼|加盖的楼层]挡住了[我家|我们家]的[采光|窗户|阳台]，[白天|冬天]屋里[都要开灯|见不到太阳]",
         "[村干部|网格员|社区]劝过{n}次，[对方|{R}][清走一部分后又堆上了|当面答应事后照旧|根本不理]"],
        ["[晚上八点以后|周末上午][不进行|停止]噪音作业", "[改建|疏通]排水沟，[承担|赔偿]修复费用", "[清理|清走][通道|过道]内的杂物[，今后不再占用|]",
         "[拆除|迁移][禽棚|狗舍|鸽棚]", "[赔偿|补偿]损失[并|，]恢复原状", "[双方|两家][坐下来|当面]协商[解决|处理]"]),
    _topic("housing_homestead", 10, 0.15, ("房地产开发有限公司", "置业有限公司"), (2_000, 400_000),
        ["宅基地[界址|边界|四至]争议", "[租房|房屋租赁][押金|漏水|维修]纠纷", "[老屋|房屋]继承[纠纷|分配争议]", "[购房|买房][合同|交房|办证]纠纷",
         "[建房|翻建][审批|手续][迟迟|长期]未[办|批]"],
        ["[我|申请人]与{R}的宅基地[相邻|挨着]，{R}新建房屋时地基越过[原来的|原审批的]界址约{m}公分[，|]",
         "[双方|两家]在[施工现场|工地上]发生[争执|争吵|推搡]，[村干部|村里]协调[未果|没有结果|过两次]",
         "[我|申请人]租住{R}在{T}的[一套住房|房子|店面]，[屋顶漏水|水管爆裂|墙体开裂]已经{dur}，[房东|对方][一直拖着不修|说等一等|不管]",
         "[提出|要求]退租[时|后]，[房东|对方]以[未满租期|房屋有损坏|提前解约]为由不退押金{amt2}",
         "[父亲|母亲|爷爷][去世后|过世后]在{V}留下[老屋|房子|宅基地]一处，[一直|多年]由{R}[居住|使用|占着]",
         "[今年|去年]老屋[列入|纳入][改造|征收|拆迁]范围，补偿款约{amt}，[兄弟|兄妹|家里人]对怎么分[意见不一|闹翻了|谈不拢]",
         "{yr}向{R}购买了{V}附近的[商品房|安置房|一套房子]，[交房|办证]时间[已经过去|超过约定]{dur}，[开发商|对方][一直拖延|说手续还没办好]"],
        ["[会同|请]村里按[原审批资料|批准范围][丈量|确定]界址", "[解除租约|退租]，退还押金[并赔偿损失|]", "按[法定|]继承份额分配[补偿款|房产]",
         "[尽快|限期][交房|办理产权证|办理不动产登记]", "[承担|支付]违约金"]),
    _topic("forest_land", 6, 0.2, ("家庭农场", "农业开发有限公司", "林业专业合作社"), (3_000, 100_000),
        ["[毛竹|山林|林地]界线纠纷", "土地流转[租金|费用][拖欠|未付]", "[修路|施工][砍伐|毁坏][林木|竹林]未[补偿|赔偿]", "承包地[边界|用途]争议"],
        ["[我|申请人]与[邻村村民|同村的]{R}对一片约{m}亩[毛竹山|杉木林|山林|茶园]的界线[认识不一致|有争议|说法不一]",
         "两家[林权证|承包合同]上的四至描述[对不上|有出入|写得不清楚]，[今年|{mon}][挖春笋|砍竹子|采茶]时双方[发生争吵|差点动手|闹到村里]",
         "[我们|申请人等]{n}户村民把承包地流转给{R}[种植柑橘|种茶叶|搞养殖|种蔬菜]，合同约定每年{mon}底前付清[当年|]租金",
         "[今年|去年]租金合计{amt}[至今未付|一直没给|只付了一小部分]，[农场|对方][负责人|老板]说[资金周转困难|亏本了|等卖了货再说]",
         "{R}[承包|负责]{V}[机耕路|村道|水渠]修建工程，施工时砍伐了[我家|申请人]自留山上的[杉木|毛竹|松树]{m}余株，[事先没有征得同意|也没打招呼]"],
        ["由[镇|村][核对|调取]林权档案，[到现场|实地]确认界线", "按合同付清拖欠的[流转|]租金", "按[林木|市场]价[赔偿|补偿]损失"]),
    _topic("labour_wages", 10, 0.65, ("建设工程有限公司", "机械制造有限公司", "建筑劳务有限公司", "木业有限公司", "服装有限公司", "餐饮管理有限公司"),
        (3_000, 300_000),
        ["[工地|工程|装修]拖欠[工资|工钱|农民工工资]", "被辞退后未支付[经济补偿|工资]", "[车间|工地]受伤[赔偿|工伤]纠纷", "[加班费|社保|劳动合同]争议"],
        ["[我|申请人]等{n}名工人[跟着|在]{R}[在{T}|]的[工地|车间|项目上][做装修|干活|做泥水工|做钢筋|上班]，[工程|活]{mon}[完工|干完]",
         "工资合计{amt}[一直没结清|至今没有发|只发了一部分]，[包工头|老板|项目经理][说|称][业主还没付工程款|公司没拨款|再等等|资金困难]",
         "[我|申请人]在{R}上班{n}年，{mon}被[车间主任|老板|人事]口头通知不用再来[上班|了]，[公司|对方]没有支付经济补偿",
         "{d}在{R}[车间|工地][操作设备|搬运材料|干活]时[手指|腿部|腰部]受伤，住院治疗{n}周，[公司|老板][垫付了部分医药费|一分钱没出]",
         "[入职|干了]{dur}[公司|老板]一直没[签劳动合同|交社保|给加班费]，[现在|]想[辞职|讨个说法]"],
        ["一次性结清拖欠的工资", "[公司|对方]支付经济补偿[和最后一个月工资|]", "依法[支付|赔偿][停工留薪期工资|工伤待遇]",
         "[补签劳动合同|补缴社保|支付加班费]"]),
    _topic("lending_finance", 9, 0.25, ("小额贷款有限公司", "融资担保有限公司", "网络科技有限公司"), (5_000, 300_000),
        ["[朋友|亲戚|熟人]借款到期不还", "借款金额[争议|说法不一]", "[经营|消费]贷款逾期后还款协商", "担保[责任|代偿]纠纷"],
        ["[我|申请人]在{yr}借给[朋友|同学|表哥|老乡|同事]{R}{amt}[用于生意周转|买车|装修|看病]，有[借条|转账记录|聊天记录]",
         "[约定|说好]{n}个月内还清，到期后{R}[多次推脱|一拖再拖|说没钱]，[近一个月|最近|这段时间][电话不接|微信不回|人找不到]",
         "[陆续|前后]借给{R}共{amt}，部分是现金、部分是转账，[对方|他]只承认转账部分",
         "[我|申请人]在{T}经营[一家餐馆|一家小超市|服装店|农家乐]，向{R}借款{amt}，[近几个月|今年]生意下滑出现逾期",
         "[公司|对方]要求一次性还清并收取[较高的|高额|不合理的][逾期费用|违约金|服务费]，[我|申请人]希望协商分期还款"],
        ["归还借款本金[并按约定支付利息|]", "[核对|确认]借款数额并约定还款计划", "减免部分逾期费用，重新约定分期还款", "[解除|免除]担保责任"]),
    _topic("contract", 7, 0.6, ("装饰工程有限公司", "建材有限公司", "商贸有限公司", "物流有限公司"), (5_000, 250_000),
        ["装修质量[问题|纠纷]与尾款[争议|纠纷]", "货款拖欠纠纷", "合伙经营[散伙|解散]后账目纠纷", "[运输|加工|承揽]合同纠纷"],
        ["[我|申请人]与{R}签订[家装|装修|供货|加工|运输]合同，总价{amt}",
         "[入住后|交付后|使用不久]发现[卫生间渗水|墙面开裂|地板起拱|货物短少|质量不合格]，[公司|对方]派人看过以后一直没有[维修|处理|答复]",
         "[我|申请人]拒付尾款，[公司|对方][多次上门催款|发律师函|威胁起诉]",
         "[我|申请人]给{R}供应[毛竹加工料|石材|建材|农产品]，累计货款{amt}，对方以[部分产品有瑕疵|没收到发票|资金紧张]为由拖欠[尾款|]至今",
         "[我|申请人]与{R}合伙在{V}开办[农家乐|小超市|加工厂]，{mon}散伙，[双方|两人]对投入资金怎么分[意见不一|没有对清]"],
        ["[公司|对方][限期|一个月内]维修到位，验收合格后再付尾款", "对方支付拖欠的货款", "清算合伙账目，按出资比例返还", "[解除合同|赔偿损失]"]),
    _topic("consumer", 5, 0.9, ("健身有限公司", "汽车销售有限公司", "家电有限公司", "教育培训有限公司", "商贸有限公司", "美容美发店"),
        (200, 120_000),
        ["预付卡退费纠纷", "[购买|买的][二手车|汽车]隐瞒[事故|问题]", "[空调|家电]安装[另收|乱收]费用", "培训机构停课[拒不退费|跑路]", "商品质量问题退货被拒"],
        ["[我|申请人]在{R}办理了[会员卡|课程卡|美容卡]，充值{amt}，{mon}门店突然[停业|关门|搬走]，[至今|一直]没有重新开门",
         "[我|申请人]在{R}购买[一辆二手小汽车|一辆新车|一台电动车]，价格{amt}，销售人员承诺[无重大事故|质量没问题|三年保修]",
         "[后来|使用后|保养时]发现[车辆曾严重碰撞过|存在质量问题|有泡水痕迹]，[我|申请人]要求退[车|货]，[商家|对方]不同意",
         "[我|申请人]在{R}购买[空调|热水器|油烟机]，店家承诺免费安装，安装师傅上门后以[加长铜管|支架|打孔]等名义另收了{amt2}",
         "[给孩子|给自己]在{R}报了[一年的|{n}个月的]课程，缴费{amt}，上了{n}次课后机构[停课|关门]，负责人联系不上"],
        ["退还未消费部分的费用", "退[车|货]退款[，或者按差价赔偿|]", "退还不合理的[安装|服务]费用", "退还剩余课时费用"]),
    _topic("traffic", 9, 0.05, ("物流有限公司",), (2_000, 200_000),
        ["[电动车|电动自行车]与小汽车相撞赔偿", "追尾事故维修费用争议", "行人被撞受伤赔偿纠纷", "交通事故[误工费|护理费]协商不成"],
        ["{d}，[我|申请人][骑电动车|骑电动自行车|开车|步行]在{T}[一处路口|国道上|村口]与{R}驾驶的[小汽车|货车|三轮车]相撞",
         "[交警|交警大队]认定对方负[主要|全部]责任，[我|申请人][腿部骨折|头部受伤|多处软组织挫伤]，已花医疗费{amt}",
         "[与对方|和对方及保险公司]就[误工费|护理费|营养费|后续治疗费]协商不成",
         "{d}在{T}发生一起追尾，{R}负全部责任，[我|申请人]的车在4S店报价维修费{amt2}，对方认为报价偏高",
         "[我|申请人]的{old}在{V}[村口|路边]步行时被{R}驾驶的[三轮车|电动车|摩托车]撞倒，[造成骨折住院|受伤住院{n}天]，对方没有保险"],
        ["对方[及其保险公司|]赔偿医疗费、误工费、护理费等损失", "按合理维修费用赔偿[，必要时共同委托评估|]", "对方赔偿[各项|全部]损失"]),
    _topic("medical", 3, 0.95, ("医院", "门诊部", "卫生院", "口腔诊所"), (3_000, 200_000),
        ["术后感染引发医疗纠纷", "门诊误诊延误治疗", "[手术|治疗]效果[不好|未达预期]纠纷"],
        ["[我|申请人]的{old}在{R}做完[手术|治疗]后出现[感染|并发症]，二次住院{n}周，多花费用约{amt}",
         "[家属|我们]认为[医院|对方]术后[护理有过失|观察不到位|没有告知风险]，[医院|对方]认为属于[手术并发症|正常风险]",
         "[我|申请人]{mon}因[腹痛|发烧|胸闷]在{R}就诊，被诊断为[肠胃炎|感冒|普通炎症]，服药几天后症状加重",
         "到上级医院确诊为[阑尾炎穿孔|肺炎|心肌炎]，多花医疗费{amt}"],
        ["[医院|对方]说明诊疗经过，承担部分费用并给予赔偿", "[门诊部|医院]承担延误治疗多支出的医疗费用", "[组织|申请]医疗损害鉴定"]),
    _topic("property_management", 6, 0.95, ("物业服务有限公司", "物业管理有限公司"), (1_000, 20_000),
        ["电梯故障[频繁|停运][引发|]物业[费|]纠纷", "[楼上|管道]漏水维修责任纠纷", "小区[车位|停车]管理纠纷", "物业[擅自|违规]涨价"],
        ["[我|申请人]是{X}{V}某小区业主，{R}管理的小区电梯[经常故障|停运{dur}]，[地下车库积水|楼道灯坏了]长期没人处理",
         "部分业主因此拒交物业费，物业公司[停止了这些业主的门禁卡授权|停水停电|在群里公布欠费名单]，矛盾[升级|越来越大]",
         "[我|申请人]家卫生间天花板长期渗水，[楼上住户|对方]说是公共管道的问题，{R}说是楼上住户自家[管道|防水]的问题",
         "[互相推诿|踢皮球]{dur}，家中吊顶已经损坏，修复约需{amt2}",
         "{R}把小区公共道路划成收费车位对外出租，业主自家车反而停不下",
         "{R}在没有召开业主大会的情况下，从{mon}起把物业费每平方米上调了{n}角"],
        ["物业公司限期维修[电梯|车库排水][，恢复门禁|]", "查明漏水原因，由责任方维修并赔偿", "公开[车位收费|物业服务成本]和收支", "暂停涨价"]),
    _topic("land_requisition", 2, 0.7, ("*征迁工作组", "*人民政府", "城市建设投资有限公司"), (10_000, 500_000),
        ["征收房屋附属物补偿异议", "征地补偿款分配纠纷", "[安置房|安置]分配[不公|争议]"],
        ["[我|申请人]的房屋列入{V}征收范围，对评估结果有异议，认为漏算了[一间辅房|院墙|果树|猪圈]，补偿少了约{amt}",
         "[多次|几次]找{R}没有得到[答复|解决|说法]",
         "{V}部分土地被征收后，村里制定了补偿款分配方案，[我|申请人][出嫁后户口仍在村里|是外嫁女|户口刚迁回]，却被排除在分配名单外",
         "[安置房|安置]抽签分配过程不公开，部分户型被提前预留，[我|申请人]家庭人口多却只分到小户型"],
        ["重新核实[辅房和院墙|附属物]，按政策补足补偿", "按村民身份参与[征地补偿款|]分配", "公开安置房分配过程，依政策重新核定"]),
    _topic("environment", 3, 0.6, ("生态养殖场", "石料加工厂", "化工有限公司", "餐饮店"), (1_000, 50_000),
        ["养殖场[异味|污水]影响村民", "饭店油烟直排[扰民|影响住户]", "[工厂|企业][粉尘|废气|噪音]污染", "[夜间|施工]噪音和扬尘扰民"],
        ["村边{R}[近期|今年]扩大养殖规模，夏天臭味严重，污水流进[农田|水沟|河里]，附近[稻田减产|鱼塘死鱼]",
         "楼下{R}排烟管道直接对着居民窗户，[中午|晚上]油烟很大，窗户不能开，衣服不能晾",
         "{R}生产时[粉尘|废气|噪音]很大，附近农户家里、菜地上都是灰",
         "[每天晚上|夜里]有大量渣土车经过{T}，车辆超载抛洒，噪音很大，沿街居民晚上无法入睡"],
        ["[整改|加装][粪污处理|油烟净化|降尘]设施", "依法查处[超标排放|违法行为]", "[赔偿|补偿]农作物损失", "规范渣土车通行时间和线路"]),
    _topic("damages", 6, 0.1, ("游乐有限公司",), (500, 30_000),
        ["宠物犬咬伤赔偿", "高空坠物砸坏车辆", "[烧田埂|焚烧秸秆]引燃邻家[竹林|山林]", "[损坏|毁坏]财物赔偿"],
        ["{d}，[我|申请人]在{V}[散步|路过]时被{R}家没有拴绳的狗咬伤[小腿|手臂]，打狂犬疫苗、处理伤口共花费{amt2}",
         "{d}，[我|申请人]停在{V}楼下的[轿车|电动车]被楼上掉下的[花盆|晾衣杆|瓷砖]砸坏，维修报价{amt2}",
         "[经查看监控|邻居看见]，[花盆|东西]是从{R}家阳台掉落的，对方不承认",
         "{d}，{R}在田边焚烧杂草时引燃了[我家|申请人家]的[竹林|茶园|杉木林]，烧毁约{m}株"],
        ["对方全额承担医疗费[，并赔偿误工损失|]", "对方赔偿[车辆维修费用|全部损失]", "按实际损失赔偿[，由村里组织现场清点|]"]),
    _topic("administrative", 2, 0.8, ("*综合行政执法局", "*自然资源和规划局", "*人民政府"), (300, 10_000),
        ["对[占道经营|违建认定]处罚有异议", "[低保|补助]评定[不公|被取消]", "[村道|道路]塌陷请求修复"],
        ["[我|申请人]在{T}经营一家[早餐店|水果店|小吃店]，因门前摆放[桌椅|货物]被{R}罚款{amt2}，[之前|事先]没有收到整改通知",
         "[我|申请人]家中有{n}口人，其中一人[重度残疾|长期患病]，今年复核时家庭被取消低保，[我|申请人]认为家庭收入核算有误",
         "{V}通往{T}的村道有一段路面塌陷，雨天积水很深，电动车已经摔倒过好几次"],
        ["[核实|复查]处罚程序，[减轻|撤销]罚款", "重新核定家庭收入，符合条件的恢复低保", "尽快修复路面[，设置警示标志|]"]),
    _topic("other", 2, 0.05, ("*文化礼堂管理小组",), (1_000, 20_000),
        ["借用[文化礼堂|祠堂]办酒损坏设备", "[祖坟|坟墓]迁移引发家族矛盾", "[村集体|公共]设施使用纠纷"],
        ["{R}借用{V}[文化礼堂|祠堂]办[喜酒|寿宴]，用后[音响设备|桌椅|厨具]损坏，[村里|管理员]要求照价赔偿{amt2}",
         "[我|申请人]与{R}因祖坟迁移的时间和费用分摊发生争执，两家人已有{n}个月互不来往",
         "[清明前后|今年]矛盾更加突出，[家族里|长辈们][意见不一|分成两派]"],
        ["对方按实际维修费用赔偿", "由[村里长辈|调解员]出面，商定[迁坟时间|费用分摊]"]),
)  # fmt: skip

OPENERS = _compile(
    [
        "[我|本人|申请人]{A}[，|]家住{X}{T}{V}[，|。]",
        "{A}[反映|称|来电反映|来访反映|诉称|表示]：",
        "[我是|本人是]{V}[村民|居民]{A}，[今年|]{myage}岁。",
        "来电人{A}[（{V}）|]反映：",
        "{X}{T}{V}的{A}[前来|来到中心|到镇里]反映，",
        "[尊敬的领导：|领导您好，|你好，|]",
        "",
    ]
)
ATTEMPTS = _compile(
    [
        "[多次|好几次|反复|几次三番地][找|联系|打电话给|上门找][对方|他|他们|{R}][协商|沟通|商量|交涉][，|]都[没有结果|没有下文|被推脱|不了了之]",
        "[村里|社区|网格员|村干部|镇里]也[出面|帮忙][调解|协调|劝说]过[一次|两次|几次]，[但是|可是|]对方[不配合|不同意|拒不履行|置之不理]",
        "已经向{T}[反映|报告]过，[至今|到现在|一直][没有|未][答复|回音|处理结果]",
        "[打过|拨打过]{n}次[12345|热线|派出所电话]，[对方|他们][让等通知|说不归他们管|让找别的部门]",
        "[我|我们][写过|递交过][书面材料|申请|信][给|到]{T}，[石沉大海|没有回音]",
    ]
)
FEELINGS = _compile(
    [
        "家里[还有|上有]{age}岁的老人[要照顾|需要赡养]，[经济压力很大|生活非常困难]",
        "[现在|目前][整天|天天][睡不着觉|吃不下饭]，[心里很着急|非常焦虑]",
        "孩子[马上要开学|在读{school}]，[急需用钱|等着这笔钱交学费]",
        "[为了这件事|这件事情][已经|前后]跑了[好几趟|{n}趟]，[耽误了不少农活|工作都受影响|请了好几天假]",
        "[我|申请人][身体不好|有慢性病|刚做完手术]，[实在|真的]耗不起",
        "[邻居|村里人|亲戚][都知道|看在眼里]，[闹得|弄得][很难看|抬不起头]",
    ]
)
RISKS = _compile(
    [
        "对方[扬言|放话]要[打断我的腿|找人收拾我|拿刀砍我]",
        "[实在|]没办法[的话|]就[去|到]{T}[政府|镇政府]门口[拉横幅|堵路]",
        "再不解决[我|]就[不想活了|从楼上跳下去|喝农药]",
        "[这件事|此事]已经[多次反映|反映了三次|跑了好几趟][都|]没人管",
        "[我们|]{m}多[名工人|户村民|位业主][都|][是受害者|在等说法]",
    ]
)
CLOSERS = _compile(
    [
        "[恳请|请求|希望|盼望][相关部门|政府|调解组织|有关部门|领导][尽快|早日|帮忙][处理|解决|协调|主持公道]",
        "[谢谢|万分感谢|感谢][！|。]",
        "[望|希望][尽快|早日]答复",
        "",
    ]
)
COMPILED = {
    topic.code: (_compile(list(topic.titles)), _compile(list(topic.events)), _compile(list(topic.wants)))
    for topic in TOPICS
}
TOPIC_WEIGHTS = [topic.weight for topic in TOPICS]
PETS = _words("鸡鸭 鸽子 狗 鹅 猪 兔子")
SCHOOLS = _words("小学 初中 高中 大学 幼儿园")
CN_DIGITS = "零一二三四五六七八九"
# Details with numbers and names: most of what makes two real accounts of similar disputes differ.
DETAILS = _compile(
    [
        "[事情|事发]地点在{V}{g}组{hn}号[附近|门口|旁边|]",
        "[当时|那天][大概|大约|]是[上午|下午|晚上|傍晚]{hh}点{mm}分[左右|]",
        "[对方|他][开的|开着]一辆[白色|黑色|银色|红色|灰色][轿车|面包车|货车|皮卡]，车牌[号|]是浙H{plate}",
        "[相关的|有关|所有][票据|收据|转账记录|聊天记录|照片|视频]{n}[张|份|段][我|]都[保存着|留着|拍下来了]",
        "[我家|我们家|我]住在{road}{hn}号{b}幢{u}单元{room}室",
        "[前后|总共|一共|到目前为止][花了|损失了|垫付了|搭进去]{exact}元",
        "[我|申请人]{kin}{P}[也|都|][在场|可以作证|知道这件事]",
        "[对方|他]的[手机号|电话|微信][我|]有，[叫|名字是]{B}",
    ]
)
FILLERS = _words(
    "其实 说实话 本来 当时 后来 结果 没想到 问题是 关键是 说起来 更过分的是 大家都知道 另外 还有就是 再说 最后 眼看着 这样一来"
    " 讲句实在话 不瞒你说 谁知道 一开始 到后来 这段时间 那几天 前段时间"
)
_SYNONYMS = {
    word: _words(alternatives)
    for word, alternatives in {
        "反映": "反映 反映 称 讲 提出 说起",
        "对方": "对方 对方 他 那边 人家 这个人",
        "一直": "一直 始终 总是 老是 一直都",
        "多次": "多次 好几次 几次 屡次 反复",
        "没有": "没有 没 没有 并没有 也没",
        "至今": "至今 到现在 到今天 直到现在",
        "已经": "已经 已 早就 都已经",
        "要求": "要求 希望 请求 想让",
        "但是": "但是 可是 不过 然而 谁知",
        "现在": "现在 目前 如今 眼下",
        "发现": "发现 才发现 察觉 注意到",
        "不同意": "不同意 不答应 不肯 拒绝",
        "协商": "协商 商量 沟通 谈",
        "赔偿": "赔偿 赔 补偿 赔付",
        "支付": "支付 付 给付 打给",
        "拖欠": "拖欠 欠着 拖着 赖着",
        "影响": "影响 干扰 妨碍 搅得",
        "经常": "经常 常常 时常 老是",
        "很大": "很大 特别大 非常大 太大",
        "处理": "处理 解决 办理 过问",
        "尽快": "尽快 赶紧 早点 尽早",
        "老板": "老板 负责人 老总 管事的",
        "认为": "认为 觉得 坚持说 一口咬定",
        "以后": "以后 之后 后来",
        "家里": "家里 家中 屋里",
        "上门": "上门 到家里 登门",
        "费用": "费用 钱 开销",
        "矛盾": "矛盾 纠纷 积怨",
        "争吵": "争吵 吵架 吵闹 争执",
        "希望": "希望 盼望 请求 恳请",
        "为由": "为由 为借口 做理由",
        "发生": "发生 出现 闹出",
        "约定": "约定 说好 讲好 商定",
        "合同": "合同 协议 合约",
        "不接": "不接 不回 拒接",
        "多花": "多花 多出 额外花了",
        "损坏": "损坏 弄坏 坏掉",
        "答复": "答复 回复 回音",
        "意见不一": "意见不一 谈不拢 各说各的",
        "不方便": "不方便 很麻烦 不便",
        "非常": "非常 十分 特别 很",
        "申请人": "申请人 我 本人 我这边",
        "工资": "工资 工钱 薪水 血汗钱",
        "医疗费": "医疗费 医药费 治疗费 看病的钱",
        "房东": "房东 房主 出租人",
        "押金": "押金 保证金 定金",
        "维修": "维修 修理 修 修缮",
        "施工": "施工 动工 干活 作业",
        "孩子": "孩子 小孩 娃 小孩子",
        "老人": "老人 老人家 长辈 老年人",
        "电话": "电话 手机 电话号码",
        "邻居": "邻居 隔壁 邻里 隔壁人家",
        "物业公司": "物业公司 物业 物管 物业方",
        "业主": "业主 住户 居民",
        "住院": "住院 入院 住了院",
        "村干部": "村干部 村里干部 村两委",
        "长期": "长期 长年 常年 好久",
        "严重": "严重 厉害 很严重 不得了",
        "不给": "不给 不付 不肯给",
        "一次性": "一次性 一下子 一次",
        "拒绝": "拒绝 不肯 推掉",
        "认定": "认定 判定 定为",
        "承担": "承担 负担 出 承受",
        "剩余": "剩余 剩下的 余下的",
        "退还": "退还 退回 还给",
        "评估": "评估 估价 评定",
        "补偿款": "补偿款 补偿金 赔偿款",
        "分配": "分配 分 分发",
        "村里": "村里 村委 村上",
        "镇里": "镇里 镇上 乡镇",
        "公共": "公共 公用 大家的",
        "积水": "积水 存水 水坑",
        "面积": "面积 大小 平方",
        "发霉": "发霉 长霉 霉变",
        "渗水": "渗水 漏水 透水",
        "开裂": "开裂 裂开 有裂缝",
        "质量": "质量 品质 做工",
        "门店": "门店 店 店铺",
        "突然": "突然 忽然 一下子",
        "联系不上": "联系不上 找不到人 失联",
        "催要": "催要 讨要 要钱 催讨",
        "借款": "借款 借的钱 欠款",
        "本金": "本金 本钱",
        "利息": "利息 利钱",
        "逾期": "逾期 超期 过期",
        "生意": "生意 买卖 经营",
        "经营": "经营 开 做",
        "保险公司": "保险公司 保险 保险方",
        "骨折": "骨折 骨头断了 骨裂",
        "受伤": "受伤 弄伤 受了伤",
        "污水": "污水 脏水 废水",
        "臭味": "臭味 臭气 异味",
        "噪音": "噪音 噪声 响声",
        "粉尘": "粉尘 灰尘 扬尘",
        "村民": "村民 老百姓 乡亲",
        "居民": "居民 住户 街坊",
        "同意": "同意 答应 认可",
        "商量": "商量 协商 沟通",
        "处罚": "处罚 罚款 惩罚",
        "罚款": "罚款 罚了 罚钱",
        "整改": "整改 改正 整顿",
        "审批": "审批 批准 审核",
        "损失": "损失 损害 亏损",
        "合伙": "合伙 合股 一起",
        "账目": "账目 账 账本",
        "货款": "货款 货钱 材料款",
        "装修": "装修 装潢 装饰",
        "工程": "工程 工地 项目",
        "包工头": "包工头 工头 承包人",
        "工人": "工人 民工 师傅",
        "辞退": "辞退 开除 解雇",
        "上班": "上班 打工 做工",
        "车间": "车间 厂里 生产线",
        "借条": "借条 欠条 借据",
        "转账": "转账 打款 汇款",
        "现金": "现金 现钱",
        "抚养费": "抚养费 生活费 孩子的费用",
        "赡养": "赡养 养老 照顾",
        "兄妹": "兄妹 兄弟姐妹 几个子女",
        "离婚": "离婚 离了婚 分开",
        "彩礼": "彩礼 礼金 聘礼",
        "宅基地": "宅基地 屋基 房基地",
        "界址": "界址 边界 界线",
        "林权证": "林权证 山林证 林地证",
        "界线": "界线 边界 分界",
        "承包": "承包 包下 经营",
        "流转": "流转 出租 转包",
        "租金": "租金 租钱 流转费",
        "砍伐": "砍伐 砍掉 砍了",
        "电梯": "电梯 升降梯",
        "车位": "车位 停车位",
        "漏水": "漏水 渗水 滴水",
        "推诿": "推诿 推脱 扯皮",
        "征收": "征收 征用 拆迁",
        "安置房": "安置房 安置房子 回迁房",
        "养殖": "养殖 饲养 养",
        "油烟": "油烟 烟气 油烟味",
        "窗户": "窗户 窗子 窗",
        "狂犬疫苗": "狂犬疫苗 狂犬针 疫苗",
        "监控": "监控 摄像头 录像",
        "文化礼堂": "文化礼堂 礼堂 村礼堂",
        "设备": "设备 东西 器材",
        "来往": "来往 走动 联系",
    }.items()
}
_SYNONYM_RE = re.compile("|".join(sorted(_SYNONYMS, key=len, reverse=True)))


TYPO_RATE = 0.03  # share of characters mistyped (homophones, slips, dialect spellings)
_TYPO_CHARS = sorted(
    {ch for ch in GIVEN + SURNAMES + "的了是在有不这他我们就说到也和要会去对能那里后以" if ch.strip()}
)


def _typos(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(int(len(chars) * TYPO_RATE + rng.random())):
        chars[rng.randrange(len(chars))] = _pick(rng, _TYPO_CHARS)
    return "".join(chars)


def short_place(name: str) -> str:
    """ "清湖二村村委会" → "清湖二村", "金桂社区居民委员会" → "金桂社区": how people name a village."""
    for suffix, plain in (
        ("社区居民委员会", "社区"),
        ("居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("居委会", "社区"),
        ("村民委员会", "村"),
        ("村委会", "村"),
    ):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith(plain) else base + plain
    return name


OPEN_STATUSES = (("submitted", 3), ("accepted", 2), ("assigned", 3), ("in_mediation", 4))
DONE_STATUSES = (("resolved", 3), ("unresolved", 1), ("closed", 6), ("declined", 1), ("withdrawn", 1))
KINDS = (("dispute", 80), ("request", 10), ("petition", 5), ("consultation", 5))
CHANNELS = (
    ("walk_in", 25),
    ("portal", 25),
    ("hotline", 25),
    ("field_visit", 10),
    ("court_window", 5),
    ("api", 5),
    ("import", 5),
)
DUPLICATE_SHARE = 0.03  # of the indexed matters, re-filings of an earlier one (edited, often same phone)
FREQUENT_SHARE = 0.12  # of applicants, one of a pool of people who file several matters over two years
FREQUENT_POOL = 20_000


def _pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


@dataclass(frozen=True)
class Place:
    code: str  # a village's (or community's) 12-digit code
    village: str
    township: str
    county: str


@dataclass(frozen=True)
class Spec:
    """One generated matter: what is filed and what the platform knows about it."""

    index: int
    topic: str
    kind: str
    channel: str
    title: str
    description: str
    desired: str
    place: Place
    days_ago: float
    status: str
    phone: str
    applicant: str
    respondent_kind: str
    respondent: str
    source: int  # the matter this one repeats (a near-duplicate), or -1

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.description, self.desired) if part)


class Generator:
    """Deterministic matters: ``spec(i)`` is the same in every process (own seeded RNG per index)."""

    def __init__(self, places: list[Place]) -> None:
        self.places = places

    def rng(self, index: int) -> random.Random:
        return random.Random(SEED * 1_000_003 + index)

    def spec(self, index: int, *, duplicates: bool = True) -> Spec:
        rng = self.rng(index)
        if duplicates and index > 0 and rng.random() < DUPLICATE_SHARE:
            source = max(0, index - rng.randint(1, 3000))
            return self.repeat(rng, index, self.spec(source))
        topic = rng.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
        place = rng.choice(self.places)
        days_ago = rng.uniform(0.01, SPAN_DAYS)
        if rng.random() < topic.org_share:
            kind = "organization"
            county = place.county[:-1] if len(place.county) > 2 else place.county
            body = _pick(rng, topic.companies)
            if body.startswith("*"):  # a public body, named after its place
                respondent = (place.township if rng.random() < 0.5 else place.county) + body[1:]
            else:
                respondent = county + BRANDS[int(len(BRANDS) * rng.random() ** 2.5)] + body
        else:
            kind, respondent = "person", self.person(rng)
        applicant = self.person(rng)
        title, description, desired = self.text(rng, topic, place, applicant, respondent)
        if rng.random() < FREQUENT_SHARE:
            phone = f"138{rng.randrange(FREQUENT_POOL):08d}"
        else:
            phone = f"139{index % 100_000_000:08d}"
        return Spec(
            index=index,
            topic=topic.code,
            kind=_weighted(rng, KINDS),
            channel=_weighted(rng, CHANNELS),
            title=title,
            description=description,
            desired=desired,
            place=place,
            days_ago=days_ago,
            status=self.status(rng, days_ago),
            phone=phone,
            applicant=applicant,
            respondent_kind=kind,
            respondent=respondent,
            source=-1,
        )

    def repeat(self, rng: random.Random, index: int, base: Spec, *, days_ago: float | None = None) -> Spec:
        """The same dispute told again: the text edited, often by the same person, days later."""
        if days_ago is None:
            days_ago = max(0.01, base.days_ago - rng.uniform(0.5, 20))
        return Spec(
            index=index,
            topic=base.topic,
            kind=base.kind,
            channel=_weighted(rng, CHANNELS),
            title=base.title if rng.random() < 0.5 else self.edit(rng, base.title, light=True),
            description=self.edit(rng, base.description),
            desired=base.desired if rng.random() < 0.6 else "",
            place=base.place,
            days_ago=days_ago,
            status=self.status(rng, days_ago),
            phone=base.phone if rng.random() < 0.6 else f"139{index % 100_000_000:08d}",
            applicant=base.applicant,
            respondent_kind=base.respondent_kind,
            respondent=base.respondent,
            source=base.index if base.source < 0 else base.source,
        )

    @staticmethod
    def status(rng: random.Random, days_ago: float) -> str:
        open_share = 0.92 if days_ago < 7 else 0.75 if days_ago < 30 else 0.45 if days_ago < 90 else 0.25
        if days_ago > 180:
            open_share = 0.05
        return _weighted(rng, OPEN_STATUSES if rng.random() < open_share else DONE_STATUSES)

    @staticmethod
    def person(rng: random.Random) -> str:
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    @staticmethod
    def edit(rng: random.Random, text: str, *, light: bool = False) -> str:
        """Retell ``text``: clauses dropped or swapped, a few characters changed, a preamble added."""
        clauses = [c for c in _CLAUSE.split(text) if c]
        if not light and len(clauses) > 3:
            for _ in range(rng.randint(0, 2)):
                clauses.pop(rng.randrange(len(clauses)))
            if rng.random() < 0.5:
                a, b = rng.sample(range(len(clauses)), 2)
                clauses[a], clauses[b] = clauses[b], clauses[a]
        chars = list("".join(clauses))
        for _ in range(rng.randint(0, 3 if light else 8)):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice(GIVEN)
        prefix = (
            ""
            if light
            else rng.choice(
                ["", "", "再次反映：", "之前反映过，现补充情况：", "重复来电，", "还是上次那件事，"]
            )
        )
        return prefix + "".join(chars)

    def text(
        self, rng: random.Random, topic: Topic, place: Place, applicant: str, respondent: str
    ) -> tuple[str, str, str]:
        slots = {"A": applicant, "R": respondent, "V": place.village, "T": place.township, "X": place.county}

        def slot(name: str) -> str:
            value = slots.get(name)
            if value is None:
                value = slots[name] = self.fill(rng, name, topic)
            return value

        titles, events, wants = COMPILED[topic.code]

        def say(seq: tuple) -> str:
            out: list[str] = []
            _render(seq, rng, slot, out)
            return "".join(out)

        sentences = [say(e) for e in rng.sample(events, 1 if rng.random() < 0.6 else 2)]
        for _ in range(rng.choice((1, 2, 2, 3))):
            sentences.insert(rng.randint(0, len(sentences)), say(_pick(rng, DETAILS)))
        for _ in range(rng.choice((0, 1, 1, 2))):
            sentences.append(say(_pick(rng, ATTEMPTS)))
        if rng.random() < 0.4:
            sentences.insert(rng.randint(1, len(sentences)), say(_pick(rng, FEELINGS)))
        if rng.random() < 0.04:
            sentences.append(say(_pick(rng, RISKS)))
        closer = say(_pick(rng, CLOSERS))
        if closer:
            sentences.append(closer)
        body = "".join(
            (_pick(rng, FILLERS) + "，" if rng.random() < 0.25 else "") + s + _pick(rng, "。。。，；")
            for s in sentences
        )

        def synonym(match: re.Match[str]) -> str:
            return _pick(rng, _SYNONYMS[match.group()])

        description = say(_pick(rng, OPENERS)) + _typos(rng, _SYNONYM_RE.sub(synonym, body[:-1])) + "。"
        title = _typos(rng, _SYNONYM_RE.sub(synonym, say(_pick(rng, titles))))[:120]
        return title, description, _typos(rng, _SYNONYM_RE.sub(synonym, say(_pick(rng, wants)))) + "。"

    def fill(self, rng: random.Random, name: str, topic: Topic) -> str:
        if name in ("age", "myage"):
            return str(rng.randint(70, 93) if name == "age" else rng.randint(22, 78))
        if name == "old":
            return rng.choice(OLDER)
        if name == "n":
            return rng.choice((str(rng.randint(2, 9)), CN_DIGITS[rng.randint(2, 9)]))
        if name == "m":
            return str(rng.randint(10, 300))
        if name in ("amt", "amt2"):
            low, high = topic.amount
            if name == "amt2":
                high = max(low * 2, high // 8)
            return _yuan(rng, low * (high / low) ** rng.random())
        if name == "d":
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            return rng.choice(
                (
                    f"{rng.randint(2023, 2025)}年{month}月{day}日",
                    f"{month}月{day}日",
                    f"去年{month}月",
                    f"今年{month}月初",
                    f"{month}月中旬",
                    f"上个月{day}号",
                )
            )
        if name == "mon":
            month = rng.randint(1, 12)
            return rng.choice(
                (f"{month}月", f"去年{month}月", f"今年{month}月", f"{rng.randint(2019, 2025)}年{month}月")
            )
        if name == "yr":
            return rng.choice(
                (f"{rng.randint(2008, 2025)}年", "前年", "去年", f"{rng.randint(2015, 2025)}年底")
            )
        if name == "dur":
            n = rng.randint(2, 11)
            return rng.choice(
                (f"{n}个月", f"{CN_DIGITS[n % 10]}个多月", "半年多", "一年多", "大半年", f"{n}个多月", "两年")
            )
        if name in ("P", "B"):
            return self.person(rng)
        if name == "kin":
            return _pick(rng, RELATIVES)
        if name in ("g", "b", "u", "hh"):
            return str(rng.randint(1, {"g": 15, "b": 30, "u": 4, "hh": 12}[name]))
        if name == "hn":
            return str(rng.randint(1, 300))
        if name == "mm":
            return f"{rng.randint(0, 59):02d}"
        if name == "room":
            return f"{rng.randint(1, 24)}{rng.randint(1, 4):02d}"
        if name == "plate":
            return "".join(_pick(rng, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(5))
        if name == "road":
            return (
                _pick(rng, GIVEN) + _pick(rng, GIVEN) + _pick(rng, ("路", "街", "大道", "巷", "西路", "东路"))
            )
        if name == "exact":
            low, high = topic.amount
            return f"{int(low * (high / low) ** rng.random()):,}"
        if name == "pet":
            return rng.choice(PETS)
        if name == "school":
            return rng.choice(SCHOOLS)
        raise KeyError(name)


_CLAUSE = re.compile(r"(?<=[，。；！：])")


def _yuan(rng: random.Random, value: float) -> str:
    if value >= 10_000 and rng.random() < 0.6:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + rng.choice(
            ("万元", "万", "万多元", "万块钱")
        )
    step = 100 if value >= 1_000 else 10
    amount = int(value // step * step)
    return rng.choice((f"{amount}元", f"{amount}块钱", f"人民币{amount}元", f"{amount:,}元"))


# --- The data set: texts and signatures, built once per run and shared by the databases --------------------

CHUNK = 25_000
_WORKER: Generator | None = None


def _worker_init(places: list[Place]) -> None:
    global _WORKER
    _WORKER = Generator(places)


def _build_chunk(job: tuple[str, int, int]) -> float:
    """Generate matters ``start``..``end`` and their MinHash signatures (the project's own code) into a file."""
    from suyuan.triage import minhash

    path, start, end = job
    assert _WORKER is not None
    started = time.perf_counter()
    specs = [_WORKER.spec(i) for i in range(start, end)]
    sigs, mask = minhash.signature_matrix([s.text for s in specs])
    if not mask.all():  # pragma: no cover - generated texts always have shingles
        raise RuntimeError("a generated text without shingles")
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as handle:
        pickle.dump((specs, sigs.astype(np.uint32)), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return time.perf_counter() - started


class Dataset:
    """Chunks of generated matters with their signatures, in ``workdir``; built on first use."""

    def __init__(self, workdir: Path, places: list[Place]) -> None:
        fingerprint = hashlib.sha256(repr([(p.code, p.village) for p in places]).encode()).hexdigest()[:16]
        self.dir = workdir / f"data-{fingerprint}"
        self.dir.mkdir(exist_ok=True)
        self.places = places

    def path(self, start: int) -> Path:
        return self.dir / f"{start:09d}.pkl"

    def ensure(self, start: int, end: int, label: str) -> None:
        missing = [s for s in range(start, end, CHUNK) if not self.path(s).exists()]
        if not missing:
            print(
                f"[{label}] texts and signatures of matters {start:,}–{end:,}: reused from the first database"
            )
            return
        started = time.perf_counter()
        jobs = [(str(self.path(s)), s, s + CHUNK) for s in missing]  # whole chunks, so a later run can extend
        processes = min(len(jobs), os.cpu_count() or 1)
        with multiprocessing.get_context("fork").Pool(processes, _worker_init, (self.places,)) as pool:
            busy = sum(pool.imap_unordered(_build_chunk, jobs))
        count = sum(job[2] - job[1] for job in jobs)
        print(
            f"[{label}] generated {count:,} texts with their MinHash signatures in "
            f"{time.perf_counter() - started:.0f} s on {processes} processes "
            f"({busy / count * 1e6:.0f} µs per matter in each process)",
            flush=True,
        )

    def chunks(self, start: int, end: int) -> Iterator[tuple[list[Spec], npt.NDArray[np.uint32]]]:
        for chunk_start in range(start, end, CHUNK):
            with open(self.path(chunk_start), "rb") as handle:
                specs, sigs = pickle.load(handle)  # noqa: S301 - written by this run, in its own temp dir
            take = min(CHUNK, end - chunk_start)
            yield specs[:take], sigs[:take]


# --- One database: set up, load, measure (runs in a child process) -----------------------------------------

TABLES = ("matters_matter", "matters_party", "triage_fingerprint", "triage_bandkey")
SPECIALISTS = {
    "labour_wages": "SC-LABOUR",
    "traffic": "SC-TRAFFIC",
    "medical": "SC-MEDICAL",
    "lending_finance": "SC-FINANCIAL",
}
FINAL = ("closed", "declined", "withdrawn", "merged")
OPEN = ("submitted", "accepted", "assigned", "in_mediation")
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
PGCOPY_TRAILER = struct.pack(">h", -1)
BANDKEY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i8"), ("l2", ">i4"), ("matter", ">i8")])
FINGERPRINT_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("l1", ">i4"),
        ("matter", ">i8"),
        ("l2", ">i4"),
        ("sig", "V512"),
        ("l3", ">i4"),
        ("at", ">i8"),
    ]
)
# What matter_triage's parts are called in the output, in order; "rest" is computed.
PARTS = (
    ("total", "matter_triage, whole"),
    ("target", "classification + flags + duplicate search (the issue's target)"),
    ("classification", "classification: active versions (1 query) + _predict x2"),
    ("model", "  of which the two models' predict_one"),
    ("facts", "flags: party_links + _facts (other matters with the same phone or ID)"),
    ("detect", "flags: flags.detect"),
    ("signature", "MinHash signature of the text"),
    ("duplicates", "duplicate search: find_duplicates"),
    ("group", "group search: find_group"),
    ("rest", "writes and the rest (total minus the parts above)"),
    ("index", "  of which _index (fingerprint + 32 band keys)"),
    ("event", "  of which matter_triage_apply (matter + triaged event)"),
)
READ_PARTS = ("classification", "facts", "detect", "signature", "duplicates", "group")
TARGET_PARTS = ("classification", "facts", "detect", "signature", "duplicates")
_CURRENT: dict[str, float] = {}


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    n = len(ordered)
    return tuple(ordered[min(n - 1, max(0, math.ceil(q * n) - 1))] for q in (0.50, 0.95, 0.99))  # type: ignore[return-value]


@contextlib.contextmanager
def _timed_parts() -> Iterator[None]:
    """Wrap the parts of ``matter_triage`` so each call adds its time to ``_CURRENT`` (restored after)."""
    from suyuan.matters import services as matter_services
    from suyuan.triage import classifier, flags, minhash, services

    targets = (
        (services, "active_versions", "classification"),
        (services, "_predict", "classification"),
        (classifier.Classifier, "predict_one", "model"),
        (services, "party_links", "facts"),
        (services, "_facts", "facts"),
        (flags, "detect", "detect"),
        (minhash, "signature", "signature"),
        (services, "find_duplicates", "duplicates"),
        (services, "find_group", "group"),
        (services, "_index", "index"),
        (matter_services, "matter_triage_apply", "event"),
    )
    originals = [(owner, attr, owner.__dict__[attr]) for owner, attr, _key in targets]

    def timed(function: Any, key: str) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                _CURRENT[key] = _CURRENT.get(key, 0.0) + time.perf_counter() - started

        return wrapper

    for owner, attr, key in targets:
        setattr(owner, attr, timed(getattr(owner, attr), key))
    try:
        yield
    finally:
        for owner, attr, original in originals:
            setattr(owner, attr, original)


def _shape(sql: str) -> str:
    """A statement with its values taken out, so that repeats of one query count together."""
    sql = re.sub(r"^SELECT (DISTINCT )?.*? FROM ", r"SELECT \1… FROM ", sql.replace('"', ""))
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"%s", "?", sql)
    return re.sub(r"\((?:\?, )+\?\)", "(?…)", sql)


class Bench:
    """Everything one child process does with its database."""

    def __init__(self, label: str, workdir: Path) -> None:
        from django.db import connection
        from django.utils import timezone

        self.label = label
        self.workdir = workdir
        self.connection = connection
        self.vendor = connection.vendor
        self.now = timezone.now()
        self.phases: list[tuple[int, int, int]] = []  # (first generated index, end, first database id)

    def say(self, text: str) -> None:
        print(f"[{self.label}] {text}", flush=True)

    # Setting up ------------------------------------------------------------------------------------------

    def setup(self) -> None:
        from django.core.management import call_command

        from suyuan.accounts.models import Organization
        from suyuan.matters.models import Category, Matter, Party
        from suyuan.regions.models import Region

        started = time.perf_counter()
        quiet = io.StringIO()
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0, stdout=quiet)
        call_command("load_regions", province="33", villages=True, verbosity=0, stdout=quiet)
        call_command("seed_demo", no_matters=True, verbosity=0, stdout=quiet)  # Quzhou's organisations
        names = dict(Region.objects.filter(code__startswith="3308").values_list("code", "name"))
        self.places = [
            Place(code, short_place(name), names.get(code[:9], ""), names.get(code[:6], ""))
            for code, name in sorted(names.items())
            if len(code) == 12
        ]
        self.regions = {r.code: r for r in Region.objects.filter(code__startswith="3308")}
        self.generator = Generator(self.places)
        self.orgs = dict(Organization.objects.values_list("code", "id"))
        self.categories = dict(Category.objects.values_list("code", "id"))
        connection = self.connection
        self.matter_fields = list(Matter._meta.concrete_fields)
        self.party_fields = [f for f in Party._meta.concrete_fields if not f.primary_key]
        self.matter_defaults = {
            f.attname: f.get_db_prep_save(f.get_default(), connection) for f in self.matter_fields
        }
        self.party_defaults = {
            f.attname: f.get_db_prep_save(f.get_default(), connection) for f in self.party_fields
        }
        self.say(
            f"migrated; regions and Quzhou's organisations loaded in {time.perf_counter() - started:.0f} s "
            f"({len(self.places):,} villages and communities, {len(self.orgs):,} organisations)"
        )

    def route(self, spec: Spec) -> int:
        """Who handles a matter (what the organisation model learns): the county's specialist committee for
        its kind, else the township's centre, else the county's."""
        county = spec.place.code[:6]
        special = SPECIALISTS.get(spec.topic)
        if special and f"{county}-{special}" in self.orgs:
            return self.orgs[f"{county}-{special}"]
        return self.orgs.get(f"{spec.place.code[:9]}-TC") or self.orgs[f"{county}-CC"]

    def train(self) -> None:
        from suyuan.triage import services
        from suyuan.triage.choices import VersionSource

        specs = [self.generator.spec(TRAINING_BASE + k, duplicates=False) for k in range(TRAINING_TEXTS)]
        texts = [s.text for s in specs]
        for name, labels in (
            (services.CATEGORY_MODEL, [s.topic for s in specs]),
            (services.ORGANIZATION_MODEL, [str(self.route(s)) for s in specs]),
        ):
            started = time.perf_counter()
            trained = services.model_train(
                model=services.model_get_or_create(name),
                texts=texts,
                labels=labels,
                source=VersionSource.FILE,
            )
            version = trained.version
            self.say(
                f"model {name!r} trained on {len(texts):,} generated texts in {time.perf_counter() - started:.0f} s: "
                f"{len(version.labels)} classes, macro-F1 {float(version.metrics.get('macro_f1', 0)):.3f} on the "
                f"held-back split, artefact {len(version.artefact.data) / 1e6:.1f} MB, active: {trained.promoted}"
            )

    # Loading ---------------------------------------------------------------------------------------------

    def load(self, dataset: Dataset, start: int, end: int) -> tuple[float, float]:
        """Insert generated matters ``start``..``end`` with applicant and respondent, fingerprint and band
        keys, the indexes of those tables dropped and rebuilt; return (seconds inserting, seconds indexing)."""
        from django.db.models import Max

        from suyuan.matters.models import Matter

        first_id = (Matter.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.phases.append((start, end, first_id))
        started = time.perf_counter()
        indexes = self._bulk_begin()
        done = 0
        for specs, sigs in dataset.chunks(start, end):
            ids = list(range(first_id + done, first_id + done + len(specs)))
            self._write(specs, sigs, ids)
            done += len(specs)
            if done % 100_000 == 0 or done == end - start:
                self.say(
                    f"  inserted {done:,} of {end - start:,} matters ({time.perf_counter() - started:.0f} s)"
                )
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        self._bulk_end(indexes)
        return inserted, time.perf_counter() - started

    def matter_id(self, index: int) -> int:
        for start, end, first_id in self.phases:
            if start <= index < end:
                return first_id + index - start
        raise KeyError(index)

    def _rows(self, specs: list[Spec], ids: list[int]) -> tuple[list[tuple], list[tuple], list[dt.datetime]]:
        """The matters' and parties' rows in column order, with the models' defaults for what is not set."""
        from suyuan.core.identifiers import PHONE, hash_identifier

        if (
            self.vendor == "sqlite"
        ):  # what Django's SQLite backend stores: UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"

            def when(value: dt.datetime) -> Any:
                return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")

        else:

            def when(value: dt.datetime) -> Any:
                return value

        m = {f.attname: i for i, f in enumerate(self.matter_fields)}
        p = {f.attname: i for i, f in enumerate(self.party_fields)}
        matter_template = [self.matter_defaults[f.attname] for f in self.matter_fields]
        party_template = [self.party_defaults[f.attname] for f in self.party_fields]
        day = dt.timedelta(days=1)
        month = dt.timedelta(days=30)
        hashes: dict[str, str] = {}
        matters, parties, created = [], [], []
        for spec, pk in zip(specs, ids, strict=True):
            at = self.now - dt.timedelta(days=spec.days_ago)
            created.append(at)
            status = spec.status
            stamp = when(at)
            row = matter_template.copy()
            row[m["id"]] = pk
            row[m["tracking_code"]] = f"L{pk:011d}"  # "L" is not in the codes' alphabet: never a real code
            row[m["kind"]] = spec.kind
            row[m["channel"]] = spec.channel
            row[m["status"]] = status
            if not (status == "submitted" and pk % 3 == 0):  # some new ones have no category yet
                row[m["category_id"]] = self.categories[spec.topic]
            row[m["title"]] = spec.title
            row[m["description"]] = spec.description
            row[m["desired_outcome"]] = spec.desired
            row[m["region_id"]] = spec.place.code
            row[m["organization_id"]] = self.route(spec)
            row[m["privacy_consent_at"]] = row[m["created_at"]] = row[m["updated_at"]] = stamp
            if status != "submitted":
                row[m["accepted_at"]] = when(at + day)
            if status in FINAL:
                row[m["closed_at"]] = when(min(self.now, at + month))
            if status in OPEN:
                row[m["due_at"]] = when(at + month)
            matters.append(tuple(row))
            phone_hash = hashes.get(spec.phone)
            if phone_hash is None:
                phone_hash = hashes[spec.phone] = hash_identifier(PHONE, spec.phone)
            for role, kind, name, hashed in (
                ("applicant", "person", spec.applicant, phone_hash),
                ("respondent", spec.respondent_kind, spec.respondent, ""),
            ):
                row = party_template.copy()
                row[p["matter_id"]] = pk
                row[p["role"]] = role
                row[p["kind"]] = kind
                row[p["name"]] = name
                row[p["phone_hash"]] = hashed
                row[p["created_at"]] = stamp
                parties.append(tuple(row))
        return matters, parties, created

    def _write(self, specs: list[Spec], sigs: npt.NDArray[np.uint32], ids: list[int]) -> None:
        from suyuan.triage import minhash

        matters, parties, created = self._rows(specs, ids)
        keys = minhash.band_keys_matrix(sigs.astype(np.uint64)).reshape(-1)
        key_matters = np.repeat(np.asarray(ids, dtype=np.int64), minhash.BANDS)
        matter_columns = ", ".join(f'"{f.column}"' for f in self.matter_fields)
        party_columns = ", ".join(f'"{f.column}"' for f in self.party_fields)
        if self.vendor == "sqlite":
            raw = self.connection.connection
            when = self.connection.ops.adapt_datetimefield_value
            signatures = sigs.astype("<u4")
            raw.execute("BEGIN")
            # Table and column names come from the models, values are parameters.
            matter_values = ", ".join("?" * len(self.matter_fields))
            party_values = ", ".join("?" * len(self.party_fields))
            insert_matter = f"INSERT INTO matters_matter ({matter_columns}) VALUES ({matter_values})"  # noqa: S608
            insert_party = f"INSERT INTO matters_party ({party_columns}) VALUES ({party_values})"  # noqa: S608
            raw.executemany(insert_matter, matters)
            raw.executemany(insert_party, parties)
            raw.executemany(
                "INSERT INTO triage_fingerprint (matter_id, signature, created_at) VALUES (?, ?, ?)",
                ((pk, signatures[i].tobytes(), when(created[i])) for i, pk in enumerate(ids)),
            )
            # One statement for the chunk's band keys (executemany is four times slower): the n-th key of
            # the JSON array belongs to the chunk's (n // 32)-th matter, whose ids are consecutive.
            raw.execute(
                "INSERT INTO triage_bandkey (key, matter_id) SELECT value, ? + key / ? FROM json_each(?)",
                (ids[0], minhash.BANDS, "[" + ",".join(map(str, keys.tolist())) + "]"),
            )
            raw.execute("COMMIT")
            return
        fingerprints = np.empty(len(ids), dtype=FINGERPRINT_ROW)
        fingerprints["n"], fingerprints["l1"], fingerprints["l2"], fingerprints["l3"] = 3, 8, 512, 8
        fingerprints["matter"] = ids
        fingerprints["sig"] = np.ascontiguousarray(sigs.astype("<u4")).view("V512")[:, 0]
        fingerprints["at"] = [(at - PG_EPOCH) // dt.timedelta(microseconds=1) for at in created]
        bands = np.empty(keys.size, dtype=BANDKEY_ROW)
        bands["n"], bands["l1"], bands["l2"] = 2, 8, 8
        bands["key"], bands["matter"] = keys, key_matters
        with self.connection.cursor() as wrapper:
            cursor = wrapper.cursor
            with cursor.copy(f"COPY matters_matter ({matter_columns}) FROM STDIN") as copy:
                for row in matters:
                    copy.write_row(row)
            with cursor.copy(f"COPY matters_party ({party_columns}) FROM STDIN") as copy:
                for row in parties:
                    copy.write_row(row)
            with cursor.copy(
                "COPY triage_fingerprint (matter_id, signature, created_at) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.write(PGCOPY_HEADER + fingerprints.tobytes() + PGCOPY_TRAILER)
            with cursor.copy("COPY triage_bandkey (key, matter_id) FROM STDIN (FORMAT binary)") as copy:
                copy.write(PGCOPY_HEADER + bands.tobytes() + PGCOPY_TRAILER)

    def _bulk_begin(self) -> list[str]:
        """Drop the secondary indexes of the four tables (rebuilt after: much faster than keeping them) and
        switch off what a throwaway bulk load does not need; return the statements that rebuild them."""
        self.connection.ensure_connection()
        if self.vendor == "sqlite":
            raw = self.connection.connection
            found = raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN (?, ?, ?, ?)",
                TABLES,
            ).fetchall()
            for name, _sql in found:
                raw.execute(f'DROP INDEX "{name}"')
            for pragma in ("foreign_keys=OFF", "journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
                raw.execute(f"PRAGMA {pragma}")
            return [sql for _name, sql in found]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
                [list(TABLES)],
            )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers while copying
        return [sql for _name, sql in found]

    def _bulk_end(self, indexes: list[str]) -> None:
        if self.vendor == "sqlite":
            raw = self.connection.connection
            for sql in indexes:
                raw.execute(sql)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-2000"):
                raw.execute(f"PRAGMA {pragma}")
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for sql in indexes:
                cursor.execute(sql)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("SET session_replication_role = origin")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('matters_matter', 'id'), (SELECT MAX(id) FROM matters_matter))"
            )
            # What autovacuum would do soon after such a load (and would otherwise do during the measurement).
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")

    def sizes(self) -> dict[str, int]:
        """Bytes on disk of each of the four tables with its indexes."""
        found: dict[str, int] = {}
        self.connection.ensure_connection()
        if self.vendor == "sqlite":
            raw = self.connection.connection
            for name, table in raw.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
                "AND tbl_name IN (?, ?, ?, ?)",
                TABLES,
            ).fetchall():
                row = raw.execute(
                    "SELECT pgsize FROM dbstat WHERE name = ? AND aggregate = TRUE", (name,)
                ).fetchone()
                found[table] = found.get(table, 0) + (row[0] or 0 if row else 0)
            return found
        with self.connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
                found[table] = cursor.fetchone()[0]
        return found

    # Measuring -------------------------------------------------------------------------------------------

    def file(self, spec: Spec) -> Any:
        """File a new matter as a citizen would on the portal (the real intake service)."""
        from suyuan.matters import services as matter_services
        from suyuan.matters.choices import Channel, PartyRole

        return matter_services.matter_receive(
            kind=spec.kind,
            channel=Channel.PORTAL,
            title=spec.title,
            description=spec.description,
            desired_outcome=spec.desired,
            region=self.regions[spec.place.code],
            parties=[
                matter_services.PartyInput(role=PartyRole.APPLICANT, name=spec.applicant, phone=spec.phone),
                matter_services.PartyInput(
                    role=PartyRole.RESPONDENT, name=spec.respondent, kind=spec.respondent_kind
                ),
            ],
            actor=None,
            privacy_consent=True,
        )

    def plan(self, round_no: int, size: int) -> list[tuple[Spec, int | None]]:
        """The new matters: a quarter re-file a recent open matter (edited text, often the same phone), one
        in ten comes from someone with a recent matter about something else, the rest are new disputes."""
        gen = self.generator
        rng = random.Random(SEED + round_no)

        def recent(open_only: bool) -> int:
            while True:
                index = rng.randrange(size)
                spec = gen.spec(index)
                if spec.days_ago < 150 and (spec.status in OPEN or not open_only):
                    return index

        plan: list[tuple[Spec, int | None]] = []
        for k in range(WARMUP + NEW_MATTERS + PROFILED):
            index = NEW_BASE + round_no * 100_000 + k
            draw = rng.random()
            if draw < 0.25:
                source = recent(open_only=True)
                spec = gen.repeat(gen.rng(index), index, gen.spec(source), days_ago=0.0)
                plan.append((spec, self.matter_id(source)))
            elif draw < 0.35:
                other = gen.spec(recent(open_only=False))
                plan.append((dataclasses.replace(gen.spec(index, duplicates=False), phone=other.phone), None))
            else:
                plan.append((gen.spec(index, duplicates=False), None))
        return plan

    def measure(self, round_no: int, size: int) -> None:
        from suyuan.matters.models import Matter
        from suyuan.triage import minhash, services
        from suyuan.triage.choices import ModelTarget
        from suyuan.triage.models import BandKey, DuplicateCandidate, GroupMember, Proposal, RiskFlag

        plan = self.plan(round_no, size)
        records: list[dict[str, float]] = []
        measured: list[tuple[int, int | None]] = []
        statements: dict[str, list[float]] = {}
        query_counts: list[int] = []

        def log(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.setdefault(_shape(sql), []).append(time.perf_counter() - started)

        profiler = cProfile.Profile() if PROFILE else None
        with _timed_parts():
            for k, (spec, source) in enumerate(plan):
                matter = self.file(spec)
                _CURRENT.clear()
                if k < WARMUP or k >= WARMUP + NEW_MATTERS:  # warm-ups, then a few with a query log
                    before = sum(len(v) for v in statements.values())
                    with self.connection.execute_wrapper(log):
                        if profiler is not None and k >= WARMUP:
                            profiler.runcall(services.matter_triage, matter_id=matter.pk)
                        else:
                            services.matter_triage(matter_id=matter.pk)
                    query_counts.append(sum(len(v) for v in statements.values()) - before)
                    if k < WARMUP:
                        statements.clear()
                    continue
                started = time.perf_counter()
                services.matter_triage(matter_id=matter.pk)
                total = time.perf_counter() - started
                record = dict(_CURRENT)
                record["total"] = total
                record["rest"] = total - sum(record.get(key, 0.0) for key in READ_PARTS)
                record["target"] = sum(record.get(key, 0.0) for key in TARGET_PARTS)
                records.append(record)
                measured.append((matter.pk, source))

        count = Matter.objects.count()
        self.say(
            f"=== {size:,} matters indexed ({count:,} in the database): triage of {len(records)} new matters, "
            f"each filed through matter_receive (untimed), after {WARMUP} warm-ups ==="
        )
        self.say(f"  {'ms':<66}{'p50':>8}{'p95':>8}{'p99':>8}")
        for key, name in PARTS:
            p50, p95, p99 = _percentiles([r.get(key, 0.0) * 1000 for r in records])
            self.say(f"  {name:<66}{p50:8.2f}{p95:8.2f}{p99:8.2f}")
        ids = [pk for pk, _source in measured]
        candidates = []
        for pk in ids:
            text = services.matter_text(Matter.objects.get(pk=pk))
            keys = minhash.band_keys(minhash.signature(text))
            candidates.append(
                BandKey.objects.filter(key__in=keys)
                .exclude(matter_id=pk)
                .values("matter_id")
                .distinct()
                .count()
            )
        planted = [(pk, source) for pk, source in measured if source is not None]
        found = sum(
            DuplicateCandidate.objects.filter(matter_id=pk, candidate_id=source).exists()
            for pk, source in planted
        )
        c50, c95, c99 = _percentiles([float(c) for c in candidates])
        self.say(
            f"  queries per triage: {min(query_counts)}–{max(query_counts)}; matters sharing a band key with a new "
            f"one (uncapped): median {c50:.0f}, p95 {c95:.0f}, p99 {c99:.0f}, max {max(candidates)}"
        )
        self.say(
            f"  outcome: {DuplicateCandidate.objects.filter(matter_id__in=ids).values('matter_id').distinct().count()} "
            f"with duplicate candidates (planted re-filings found: {found} of {len(planted)}), "
            f"{GroupMember.objects.filter(matter_id__in=ids).count()} joined a group, "
            f"{RiskFlag.objects.filter(matter_id__in=ids).values('matter_id').distinct().count()} flagged, "
            f"category applied to "
            f"{Proposal.objects.filter(matter_id__in=ids, target=ModelTarget.CATEGORY, applied=True).count()}"
        )
        heaviest = sorted(statements.items(), key=lambda item: -sum(item[1]))[:6]
        self.say(
            f"  heaviest statements over {PROFILED} more triages (total ms, calls, median ms; time in execute(), "
            f"{'which on SQLite leaves out the steps of fetching rows after the first' if self.vendor == 'sqlite' else 'rows included'}):"
        )
        for sql, times in heaviest:
            self.say(
                f"    {sum(times) * 1000:7.1f} {len(times):4d} {statistics.median(times) * 1000:7.2f}  "
                f"{sql[:150]}{'…' if len(sql) > 150 else ''}"
            )
        if profiler is not None:  # BENCH_TRIAGE_PROFILE=1: where the Python time of those triages goes
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(15)
            stats.sort_stats("cumulative").print_stats("suyuan", 30)
            self.say(
                "  cProfile of the same triages, by own time, then the project's functions:\n"
                + out.getvalue()
            )

    # The whole run ---------------------------------------------------------------------------------------

    def run(self) -> None:
        self.setup()
        self.train()
        dataset = Dataset(self.workdir, self.places)
        loaded = 0
        insert_rate = index_rate = 0.0
        for round_no, size in enumerate(SIZES):
            target = size
            if self.vendor == "sqlite" and loaded and insert_rate:
                projected = insert_rate * (target - loaded) + index_rate * target
                if projected > SQLITE_LOAD_BUDGET:
                    affordable = (SQLITE_LOAD_BUDGET + insert_rate * loaded) / (insert_rate + index_rate)
                    target = max(loaded + CHUNK, int(affordable) // 100_000 * 100_000)
                    self.say(
                        f"loading {size:,} matters would take about {projected / 60:.0f} min on SQLite, over the "
                        f"{SQLITE_LOAD_BUDGET / 60:.0f} min budget: loading {target:,} instead"
                    )
            if target <= loaded:
                continue
            self.connection.close()  # the data set's worker processes are forked: no shared connection
            dataset.ensure(loaded, target, self.label)
            before = self.sizes()
            inserted, indexed = self.load(dataset, loaded, target)
            count = target - loaded
            self.say(
                f"loaded {count:,} matters (+ 2 parties, 1 fingerprint and 32 band keys each) in "
                f"{inserted + indexed:.0f} s: {inserted:.0f} s inserting ({count / inserted:,.0f} matters/s), "
                f"{indexed:.0f} s rebuilding indexes{' and VACUUM ANALYZE' if self.vendor == 'postgresql' else ''}"
            )
            insert_rate, index_rate = inserted / count, indexed / target
            after = self.sizes()
            grown = {table: after.get(table, 0) - before.get(table, 0) for table in TABLES}
            index_bytes = grown["triage_fingerprint"] + grown["triage_bandkey"]
            self.say(
                f"size on disk (tables with their indexes), growth for these {count:,}: fingerprints "
                f"{grown['triage_fingerprint'] / 1e6:,.0f} MB + band keys {grown['triage_bandkey'] / 1e6:,.0f} MB = "
                f"{index_bytes / count:,.0f} bytes per matter; matters and parties: "
                f"{(grown['matters_matter'] + grown['matters_party']) / count:,.0f} bytes per matter"
            )
            loaded = target
            self.measure(round_no, loaded)


def child(database_url: str, label: str, workdir: Path) -> None:
    var = workdir / f"var-{label.lower()}"
    var.mkdir(exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SUYUAN_VAR_DIR"] = str(var)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Intake enqueues the triage task on commit: here the benchmark calls it itself, so enqueue nowhere.
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    Bench(label, workdir).run()


# --- The parent: which databases, a temporary directory, PostgreSQL's throwaway database ----------------


def _pg_admin(sql: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_SERVER + "postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)
    except psycopg.Error as exc:
        print(f"PostgreSQL: {sql}: {str(exc).strip()}")
        return False
    return True


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
        return 0
    choice = os.environ.get("BENCH_TRIAGE_DB", "both").strip().lower()
    if choice not in ("sqlite", "postgres", "both"):
        print(f"BENCH_TRIAGE_DB must be sqlite, postgres or both, not {choice!r}")
        return 2
    print(
        f"sizes {', '.join(f'{s:,}' for s in SIZES)}; {NEW_MATTERS} new matters per size; "
        f"{os.cpu_count()} CPU cores (shared with whatever else runs)",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-triage-"))
    pg_ok = False
    failed = 0
    try:
        runs = []
        if choice in ("sqlite", "both"):
            runs.append((f"sqlite:///{workdir}/bench.sqlite3", "SQLite"))
        if choice in ("postgres", "both"):
            pg_ok = _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}") and _pg_admin(
                f"CREATE DATABASE {PG_NAME}"
            )
            if pg_ok:
                runs.append((PG_SERVER + PG_NAME, "PostgreSQL"))
            else:
                print("PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
        for url, label in runs:
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, __file__, "--child", url, label, str(workdir)], check=False
            )
            print(f"[{label}] done in {(time.perf_counter() - started) / 60:.1f} min", flush=True)
            failed += result.returncode != 0
    finally:
        if pg_ok:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
