"""Merge the Dutch translations waiting in locale/nl/pending/*.json into django.po (run after makemessages).

Each JSON file maps an English msgid to its Dutch text (a list of two texts for a plural). A translation replaces
an empty or fuzzy one; the file is removed once all its entries are in the catalogue. Needs polib (a dev tool).
Usage: python locale/merge_pending.py && python manage.py compilemessages --ignore=.venv
"""

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent / "nl"


def main() -> int:
    po = polib.pofile(str(LOCALE / "LC_MESSAGES" / "django.po"))
    for obsolete in po.obsolete_entries():  # strings the code no longer has
        po.remove(obsolete)
    for entry in po:  # "#|" hints of fuzzy matching; msgfmt rejects a half one
        if entry.translated() and "fuzzy" not in entry.flags:
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    entries = {entry.msgid: entry for entry in po}
    for pending in sorted((LOCALE / "pending").glob("*.json")):
        translations = json.loads(pending.read_text(encoding="utf-8"))
        unknown = []
        for msgid, text in translations.items():
            entry = entries.get(msgid)
            if entry is None:
                unknown.append(msgid)
                continue
            if entry.msgid_plural:
                forms = text if isinstance(text, list) else [text, text]
                entry.msgstr_plural = {0: forms[0], 1: forms[1]}
            else:
                entry.msgstr = text if isinstance(text, str) else text[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
        print(f"{pending.name}: {len(translations) - len(unknown)} merged, {len(unknown)} not in the catalogue")
        for msgid in unknown:
            print(f"  not found: {msgid!r}")
        if not unknown:
            pending.unlink()
    po.save()
    missing = [entry.msgid for entry in po if entry.msgid and (not entry.translated() or "fuzzy" in entry.flags)]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
