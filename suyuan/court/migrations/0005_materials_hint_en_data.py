"""The English checklist hints of the causes the migrations created (left alone where already written)."""

from django.db import migrations

HINTS = {
    "private_lending": "IOU or loan contract, transfer or payment records",
    "sale_contract": "sale contract, delivery notes, payment receipts",
    "labour_services": "the work arrangement, attendance or work records, proof of unpaid amounts",
    "lease_contract": "lease contract, rent payment records",
    "traffic_accident": "accident liability finding, medical bills, disability assessment",
    "property_service": "property service contract, payment reminders",
    "divorce": "marriage certificate, children's birth certificates, proof of property",
    "child_support": "proof of parentage, proof of income",
    "neighbours": "photos of the site, proof of ownership",
    "personal_injury": "medical records, medical bills, police report",
    "homestead": "homestead use certificate, village committee's certificate",
    "contract": "the contract, proof of performance and breach",
}


def load(apps, schema_editor):
    CauseOfAction = apps.get_model("court", "CauseOfAction")
    for code, hint in HINTS.items():
        CauseOfAction.objects.filter(code=code, materials_hint_en="").update(materials_hint_en=hint)


class Migration(migrations.Migration):
    dependencies = [("court", "0004_materials_hint_en")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
