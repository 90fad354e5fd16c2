"""Rendering one e-mail template part for many contexts, fast and exactly as Django renders it.

Most e-mails of a batch share a template and differ only in the names, dates and numbers they print. A part is
therefore rendered once per *shape* (the context's values other than the printed-only text) with a marker in place
of each printed-only text value, and split at the markers; every e-mail of that shape is then the static pieces
joined with its own values, converted as Django's `{{ name }}` converts a string (escaped in HTML, as is in text).

A context name is printed-only when the template source uses it solely as a plain `{{ name }}`: no filter, no
attribute, never in a tag (`{% if name %}`, `{% for ... in name %}`, `{% with %}`, ...), so its value cannot change
which pieces are output. A template with any tag outside a small list known to read the context only through its
arguments, or with a NUL character, is always rendered by Django; so is a context with a list, a dict or another
unhashable value outside the printed-only text, and every shape beyond MAX_SHAPES (a context that is each time
different, such as a hub's list of clients, gains nothing from a shape).
"""

import html
import re
from typing import Any

from django.template import Context, Template
from django.template.base import Lexer, TokenType

MAX_SHAPES = 256
MARKER = "\x00{}\x00"
MARKER_SPLIT = re.compile("\x00(\\d+)\x00")
PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Tags that read the context only through the names in their arguments and output nothing that wraps their body.
SHAPE_SAFE_TAGS = frozenset(
    {"if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "comment", "endcomment", "load"}
)


def template_names(source: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The names the source uses only as a plain `{{ name }}`, and every word it uses in a variable or a tag (the
    names its output can depend on); None when it must always be rendered by Django."""
    if "\x00" in source:
        return None
    printed: set[str] = set()
    structural: set[str] = set()
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            if PLAIN_NAME.fullmatch(token.contents):
                printed.add(token.contents)
            else:
                structural.update(WORD.findall(token.contents))
        elif token.token_type == TokenType.BLOCK:
            bits = token.split_contents()
            if not bits or bits[0] not in SHAPE_SAFE_TAGS:
                return None
            structural.update(WORD.findall(token.contents))
    return frozenset(printed - structural), frozenset(printed | structural)


class TemplatePart:
    """One compiled part (subject, text or HTML) of a template, with the static pieces of the shapes seen so far."""

    def __init__(self, source: str, *, autoescape: bool) -> None:
        self.template = Template(source)
        self.autoescape = autoescape
        names = template_names(source)
        self.printed: frozenset[str] | None = names[0] if names is not None else None
        self.mentioned: frozenset[str] = names[1] if names is not None else frozenset()
        # shape -> (static pieces, index into the printed names between each two pieces)
        self.shapes: dict[Any, tuple[list[str], list[int]]] = {}

    def _django(self, context: dict[str, Any]) -> str:
        return self.template.render(Context(context, autoescape=self.autoescape))

    def render(self, context: dict[str, Any]) -> str:
        if self.printed is None:
            return self._django(context)
        names = [name for name in self.printed if type(context.get(name)) is str]
        names.sort()
        rest = []
        for name, value in context.items():
            if name not in self.mentioned or (name in self.printed and type(value) is str):
                continue
            if isinstance(value, str) and "\x00" in value:
                return self._django(context)
            rest.append((name, type(value), value))
        rest.sort(key=lambda item: item[0])
        shape = (tuple(names), tuple(rest))
        try:
            pieces = self.shapes.get(shape)
        except TypeError:  # a list or a dict: the shape would be the whole context
            return self._django(context)
        if pieces is None:
            if len(self.shapes) >= MAX_SHAPES:
                return self._django(context)
            pieces = self._pieces(context, names)
            self.shapes[shape] = pieces
        statics, slots = pieces
        # What `{{ name }}` makes of a plain string: itself in text; in HTML, html.escape (Django's escape, without
        # its lazy-string wrapper: the value is exactly a str).
        values = [context[name] for name in names]
        if self.autoescape:
            values = [html.escape(value) for value in values]
        out = [statics[0]]
        for slot, static in zip(slots, statics[1:], strict=True):
            out.append(values[slot])
            out.append(static)
        return "".join(out)

    def _pieces(self, context: dict[str, Any], names: list[str]) -> tuple[list[str], list[int]]:
        marked = {**context, **{name: MARKER.format(index) for index, name in enumerate(names)}}
        split = MARKER_SPLIT.split(self._django(marked))
        return split[0::2], [int(index) for index in split[1::2]]
