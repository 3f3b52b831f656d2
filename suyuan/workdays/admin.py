"""The holiday calendar in the Django admin, for platform operators.

To enter a new year: add its holidays and make-up working days first, then add the year itself, which
marks its schedule complete; until then its deadlines count plain weekdays and the system check warns.
Every save is validated by the models' ``clean`` and empties the calendar cache (see ``signals``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from suyuan.workdays.models import CalendarDay, CalendarYear


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            CalendarDay.objects.annotate(year=ExtractYear("date"))
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> QuerySet[CalendarDay]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class PublishedListFilter(admin.SimpleListFilter):
    title = _("year published")
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No: not entered in full yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> QuerySet[CalendarDay]:
        if self.value() not in ("yes", "no"):
            return queryset
        published = list(CalendarYear.objects.values_list("year", flat=True))
        lookup = queryset.filter if self.value() == "yes" else queryset.exclude
        return lookup(date__year__in=published)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "name", "is_working_day")
    list_filter = (YearListFilter, PublishedListFilter, "is_working_day", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The date is the key: changing it would add a second row, not move this one.
        return ("date",) if obj is not None else ()


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "published_on", "entered_at")
    list_filter = (("published_on", admin.DateFieldListFilter),)
    search_fields = ("source",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("year", "entered_at") if obj is not None else ("entered_at",)
