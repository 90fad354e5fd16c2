"""The font of the weekly PDF: DejaVu Sans, embedded, so that every name prints as written ("Kamiński", Greek,
Cyrillic, Hebrew, Arabic), not as the boxes of reportlab's built-in Helvetica, which knows only Western European
letters.

The TTF files are committed beside this module (reporting/fonts/, with their licence): nothing is downloaded at run
time, and the report looks the same on every machine, whatever fonts the system has.
"""

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def pdf_fonts_register() -> tuple[str, str]:
    """Register the report's fonts with reportlab (once per process); their names, regular and bold."""
    pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONTS / "DejaVuSans-Bold.ttf"))
    for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
        addMapping(REGULAR, bold, italic, name)  # <b> inside a paragraph
    return REGULAR, BOLD
