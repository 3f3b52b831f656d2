"""The official holiday schedules of 2025 and 2026 (国务院办公厅《关于×年部分节假日安排的通知》).

Only the exceptions to the ordinary week: holidays that fall on a weekday and make-up working days
(调休上班) that fall on a weekend. Copied from the notices as literal data (cross-checked with the
chinese-calendar package, 1.11.0), so that the migration never changes when a package does. Later years
are entered by administrators when the State Council publishes them.
"""

import datetime

from django.db import migrations

YEARS = [
    (2025, "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）", datetime.date(2024, 11, 12)),
    (2026, "国务院办公厅关于2026年部分节假日安排的通知", datetime.date(2025, 11, 4)),
]

# (date, is it a working day, name as in the notice)
DAYS = [
    # 2025
    ("2025-01-01", False, "元旦"),  # Wed
    ("2025-01-26", True, "春节调休上班"),  # Sun
    ("2025-01-28", False, "春节"),  # Tue, 除夕
    ("2025-01-29", False, "春节"),  # Wed
    ("2025-01-30", False, "春节"),  # Thu
    ("2025-01-31", False, "春节"),  # Fri
    ("2025-02-03", False, "春节"),  # Mon
    ("2025-02-04", False, "春节"),  # Tue, 正月初七
    ("2025-02-08", True, "春节调休上班"),  # Sat
    ("2025-04-04", False, "清明节"),  # Fri
    ("2025-04-27", True, "劳动节调休上班"),  # Sun
    ("2025-05-01", False, "劳动节"),  # Thu
    ("2025-05-02", False, "劳动节"),  # Fri
    ("2025-05-05", False, "劳动节"),  # Mon
    ("2025-06-02", False, "端午节"),  # Mon
    ("2025-09-28", True, "国庆节、中秋节调休上班"),  # Sun
    ("2025-10-01", False, "国庆节、中秋节"),  # Wed
    ("2025-10-02", False, "国庆节、中秋节"),  # Thu
    ("2025-10-03", False, "国庆节、中秋节"),  # Fri
    ("2025-10-06", False, "国庆节、中秋节"),  # Mon
    ("2025-10-07", False, "国庆节、中秋节"),  # Tue
    ("2025-10-08", False, "国庆节、中秋节"),  # Wed
    ("2025-10-11", True, "国庆节、中秋节调休上班"),  # Sat
    # 2026
    ("2026-01-01", False, "元旦"),  # Thu
    ("2026-01-02", False, "元旦"),  # Fri
    ("2026-01-04", True, "元旦调休上班"),  # Sun
    ("2026-02-14", True, "春节调休上班"),  # Sat
    ("2026-02-16", False, "春节"),  # Mon
    ("2026-02-17", False, "春节"),  # Tue
    ("2026-02-18", False, "春节"),  # Wed
    ("2026-02-19", False, "春节"),  # Thu
    ("2026-02-20", False, "春节"),  # Fri
    ("2026-02-23", False, "春节"),  # Mon, 正月初七
    ("2026-02-28", True, "春节调休上班"),  # Sat
    ("2026-04-06", False, "清明节"),  # Mon
    ("2026-05-01", False, "劳动节"),  # Fri
    ("2026-05-04", False, "劳动节"),  # Mon
    ("2026-05-05", False, "劳动节"),  # Tue
    ("2026-05-09", True, "劳动节调休上班"),  # Sat
    ("2026-06-19", False, "端午节"),  # Fri
    ("2026-09-20", True, "国庆节调休上班"),  # Sun
    ("2026-09-25", False, "中秋节"),  # Fri
    ("2026-10-01", False, "国庆节"),  # Thu
    ("2026-10-02", False, "国庆节"),  # Fri
    ("2026-10-05", False, "国庆节"),  # Mon
    ("2026-10-06", False, "国庆节"),  # Tue
    ("2026-10-07", False, "国庆节"),  # Wed
    ("2026-10-10", True, "国庆节调休上班"),  # Sat
]


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    for day, is_working_day, name in DAYS:
        CalendarDay.objects.update_or_create(
            date=datetime.date.fromisoformat(day), defaults={"is_working_day": is_working_day, "name": name}
        )
    for year, source, published_on in YEARS:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "published_on": published_on})


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay.objects.filter(date__in=[datetime.date.fromisoformat(day) for day, _, _ in DAYS]).delete()
    CalendarYear.objects.filter(year__in=[year for year, _, _ in YEARS]).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
