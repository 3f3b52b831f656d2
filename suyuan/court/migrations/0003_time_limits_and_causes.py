"""The statutory periods and the common causes of action, with the materials each filing needs.

Administrators edit both afterwards; this gives a new deployment the law's defaults.
"""

from django.db import migrations

TIME_LIMITS = [
    # kind, days, working days, basis
    ("filing_decision", 7, False, "《民事诉讼法》第一百二十六条：七日内立案或者裁定不予受理"),
    ("confirmation_application", 30, False, "《人民调解法》第三十三条：调解协议生效之日起三十日内共同申请"),
    (
        "confirmation_decision",
        15,
        False,
        "《最高人民法院关于人民调解协议司法确认程序的若干规定》：受理之日起十五日内作出",
    ),
    ("pre_filing_mediation", 30, False, "诉前调解期限一般为三十日，经当事人同意可以延长"),
    ("correction", 15, False, "补正期限（由法院指定）"),
    ("answer", 15, False, "《民事诉讼法》第一百二十八条：被告收到起诉状副本之日起十五日内提出答辩状"),
    ("evidence", 15, False, "《民事诉讼法解释》第九十九条：第一审普通程序案件不得少于十五日"),
    ("hearing_notice", 3, False, "《民事诉讼法》第一百三十九条：开庭三日前通知当事人"),
    ("appeal_judgment", 15, False, "《民事诉讼法》第一百七十一条：判决书送达之日起十五日内上诉"),
    ("appeal_ruling", 10, False, "《民事诉讼法》第一百七十一条：裁定书送达之日起十日内上诉"),
    ("fee_payment", 7, False, "《诉讼费用交纳办法》第二十二条：接到交纳通知次日起七日内交纳"),
]

# code, name, English name, required document kinds besides the complaint, what to bring, property claim
CAUSES = [
    ("private_lending", "民间借贷纠纷", "private lending", ["identity", "evidence"], "借条或借款合同、转账或付款记录", True),
    ("sale_contract", "买卖合同纠纷", "sale contract", ["identity", "evidence"], "买卖合同、送货单、付款凭证", True),
    ("labour_services", "劳务合同纠纷", "labour services contract", ["identity", "evidence"], "用工约定、考勤或工作记录、欠款凭证", True),
    ("lease_contract", "房屋租赁合同纠纷", "housing lease", ["identity", "evidence"], "租赁合同、租金支付记录", True),
    ("traffic_accident", "机动车交通事故责任纠纷", "road traffic accident liability", ["identity", "evidence"], "事故认定书、医疗票据、伤残鉴定意见", True),
    ("property_service", "物业服务合同纠纷", "property management service", ["identity", "evidence"], "物业服务合同、催缴记录", True),
    ("divorce", "离婚纠纷", "divorce", ["identity", "evidence"], "结婚证、子女出生证明、财产证明", False),
    ("child_support", "抚养费纠纷", "child support", ["identity", "evidence"], "亲子关系证明、收入证明", True),
    ("neighbours", "相邻关系纠纷", "neighbours' relations", ["identity", "evidence"], "现场照片、权属证明", False),
    ("personal_injury", "生命权、身体权、健康权纠纷", "personal injury", ["identity", "evidence"], "病历、医疗费票据、报警记录", True),
    ("homestead", "宅基地使用权纠纷", "homestead use", ["identity", "evidence"], "宅基地使用证、村委会证明", False),
    ("contract", "合同纠纷", "other contract", ["identity", "evidence"], "合同、履行和违约的证据", True),
]  # fmt: skip


def load(apps, schema_editor):
    TimeLimit = apps.get_model("court", "TimeLimit")
    CauseOfAction = apps.get_model("court", "CauseOfAction")
    for kind, days, working, basis in TIME_LIMITS:
        TimeLimit.objects.get_or_create(
            kind=kind, defaults={"days": days, "working_days": working, "basis": basis}
        )
    for order, (code, name, name_en, materials, hint, is_property) in enumerate(CAUSES):
        CauseOfAction.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "required_materials": materials,
                "materials_hint": hint,
                "is_property": is_property,
                "sort_order": (order + 1) * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("court", "0002_court_cases")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
