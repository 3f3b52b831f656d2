"""The default taxonomy: the dispute types people's mediation committees report on."""

from django.db import migrations

CATEGORIES = [
    # code, Chinese name, English name, specialty of the committee that usually takes it
    ("marriage_family", "婚姻家庭", "Marriage and family", "family"),
    ("neighbours", "邻里纠纷", "Neighbours", ""),
    ("housing_homestead", "房屋宅基地", "Housing and homestead land", ""),
    ("forest_land", "山林土地", "Forest and farmland", ""),
    ("labour_wages", "劳动争议/欠薪", "Labour disputes and unpaid wages", "labour"),
    ("lending_finance", "民间借贷/金融", "Private lending and finance", "financial"),
    ("contract", "合同纠纷", "Contracts", ""),
    ("consumer", "消费纠纷", "Consumer disputes", "consumer"),
    ("traffic", "交通事故", "Road traffic accidents", "traffic"),
    ("medical", "医疗纠纷", "Medical disputes", "medical"),
    ("property_management", "物业纠纷", "Property management", "property"),
    ("land_requisition", "征地拆迁", "Land requisition and demolition", ""),
    ("environment", "环境污染", "Environmental pollution", ""),
    ("damages", "损害赔偿", "Compensation for harm", ""),
    ("administrative", "行政争议", "Administrative disputes", ""),
    ("other", "其他", "Other", ""),
]


def add(apps, schema_editor):
    Category = apps.get_model("matters", "Category")
    for order, (code, name, name_en, specialty) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "specialty": specialty, "sort_order": order * 10}
        )


def remove(apps, schema_editor):
    apps.get_model("matters", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
