"""The interface is Chinese first and English complete: every string has its zh-Hans translation."""

from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "suyuan" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_in_the_chinese_catalogue_is_translated():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert len(catalogue) > 100
    assert not missing, f"untranslated: {missing[:20]}"
    assert not fuzzy, f"fuzzy (needs review): {fuzzy[:20]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.translated() and not entry.msgid_plural:
            assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid
