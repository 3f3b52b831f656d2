"""Keywords for the default taxonomy, so triage works on a brand-new deployment before anyone labels."""

from django.db import migrations

KEYWORDS = {
    "marriage_family": "离婚 婚姻 夫妻 彩礼 抚养 抚养费 赡养 赡养费 探视 子女 家暴 分家 遗产 继承 老人 婆媳",
    "neighbours": "邻居 邻里 噪音 漏水 通行 采光 堵门 楼上 楼下 围墙 排水 吵架 占道 宠物",
    "housing_homestead": "宅基地 建房 房屋 翻建 房产 违建 地基 相邻 产权 过户 租房 房租",
    "forest_land": "山林 林地 承包地 土地 田地 界址 边界 坟地 流转 承包 耕地 果园",
    "labour_wages": "工资 欠薪 拖欠 工钱 劳动合同 辞退 工伤 加班 社保 包工头 讨薪 农民工 赔偿金",
    "lending_finance": "借款 借钱 欠款 借条 利息 还款 高利贷 贷款 担保 集资 理财 网贷 P2P",
    "contract": "合同 违约 定金 订金 货款 装修 工程款 买卖 履行 解除合同 承揽",
    "consumer": "消费 退款 退货 商家 质量 假货 售后 预付卡 充值 维修 网购 商品",
    "traffic": "车祸 交通事故 撞 追尾 电动车 保险 交警 事故认定 肇事 赔付 伤残",
    "medical": "医院 医疗 手术 医生 治疗 误诊 医疗事故 护理 病人 药",
    "property_management": "物业 物业费 业主 小区 停车 电梯 业委会 公共维修 保安 绿化",
    "land_requisition": "征地 拆迁 补偿款 安置 征收 评估 拆除 补偿标准",
    "environment": "污染 排污 异味 粉尘 废水 垃圾 油烟 噪声 养殖 臭 烟尘",
    "damages": "损害 赔偿 受伤 摔倒 打伤 损坏 医药费 误工费 财产损失 咬伤",
    "administrative": "行政 处罚 执法 审批 政府 不作为 罚款 许可 复议 城管",
}


def add(apps, schema_editor):
    Category = apps.get_model("matters", "Category")
    for code, words in KEYWORDS.items():
        Category.objects.filter(code=code, keywords="").update(keywords=words)


class Migration(migrations.Migration):
    dependencies = [("matters", "0012_triage_fields")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
