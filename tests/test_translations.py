"""Every string a person reads exists in Dutch: the catalogue is complete and the compiled file matches it."""

import ast
import gettext
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def _entries() -> list[tuple[str, str, bool]]:
    entries = []
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        parts = re.split(r"^(msgid|msgstr|msgctxt|msgid_plural|msgstr\[\d\]) ", block, flags=re.MULTILINE)
        fields: dict[str, str] = {}
        for key, value in zip(parts[1::2], parts[2::2], strict=True):
            lines = [line.strip() for line in value.strip().splitlines() if line.strip().startswith('"')]
            fields[key] = "".join(ast.literal_eval(line) for line in lines)
        if fields.get("msgid"):
            entries.append((fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", "")), fuzzy))
    return entries


def test_every_message_has_a_dutch_translation():
    entries = _entries()
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr, _ in _entries() if catalogue.gettext(msgid) != msgstr]
    assert stale == []
