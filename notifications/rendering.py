"""Rendering one e-mail template part for many contexts, fast and exactly as Django renders it.

Most e-mails of a batch share a template and differ only in the names, dates and numbers they print. A part is
therefore rendered once per *shape* (the context's values other than the printed-only text) with a marker in place
of each printed-only text value, and split at the markers; every e-mail of that shape is then the static pieces
joined with its own values, converted as Django's `{{ name }}` converts a string (escaped in HTML, as is in text).

A context name is printed-only when the template source uses it solely as a plain `{{ name }}`: no filter, no
attribute, never in a tag (`{% if name %}`, `{% for ... in name %}`, `{% with %}`, ...), so its value cannot change
which pieces are output. A name that is also tested bare (`{% if name %}`, `{% elif name %}`, with or without `not`)
counts as printed-only when its text is not empty (a marker is not empty either, so the test goes the same way); an
empty one is part of the shape. A template with any tag outside a small list known to read the context only through
its arguments, or with a NUL character, is always rendered by Django; so is a context with a list, a dict or another
unhashable value outside the printed-only text, and every shape beyond MAX_SHAPES.

A loop at the top level, `{% for item in items %}...{% endfor %}`, whose body reads its item only as `item.key`
(no filter-free bare `item`, no `forloop`, no nested loop, no `{% empty %}`, no quoted text in a tag or variable),
is rendered apart: its body is a part of its own, rendered per item with each `item.key` flattened into a name of
the context (`item__key`), and the loop's output is put into the rest of the template as it is (Django does not
escape a loop's output either). So a hub's e-mail, whose list of clients makes every context different, is also
rendered from a few shapes: one for the text around the list and a few for the lines.
"""

import html
import re
from typing import Any, NamedTuple

from django.template import Context, Template, TemplateSyntaxError
from django.template.base import Lexer, Token, TokenType

MAX_SHAPES = 256
MARKER = "\x00{}\x00"
MARKER_SPLIT = re.compile("\x00(\\d+)\x00")
PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Tags that read the context only through the names in their arguments and output nothing that wraps their body.
SHAPE_SAFE_TAGS = frozenset(
    {"if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "comment", "endcomment", "load"}
)
OPENING_TAGS = frozenset({"if", "for", "with", "comment"})
CLOSING_TAGS = frozenset({"endif", "endfor", "endwith", "endcomment"})
# The name a top-level loop's output takes in the rest of its template (a source that uses it has no loop parts).
LOOP_OUTPUT = "htg_loop_{}"


class Names(NamedTuple):
    """What a template source does with the names of its context."""

    printed: frozenset[str]  # printed only as a plain {{ name }} (and perhaps tested bare)
    tested: frozenset[str]  # among those, the ones also tested bare: printed-only when not empty
    mentioned: frozenset[str]  # every word in a variable or a tag: the names the output can depend on


def _bare_test(bits: list[str]) -> str | None:
    """The name a tag tests bare (`if name`, `elif name`, `if not name`, `elif not name`), else None."""
    if len(bits) == 2 and bits[0] in ("if", "elif") and PLAIN_NAME.fullmatch(bits[1]):
        return bits[1]
    if len(bits) == 3 and bits[0] in ("if", "elif") and bits[1] == "not" and PLAIN_NAME.fullmatch(bits[2]):
        return bits[2]
    return None


def template_names(source: str) -> Names | None:
    """What the source does with each name; None when it must always be rendered by Django."""
    if "\x00" in source:
        return None
    printed: set[str] = set()
    tested: set[str] = set()
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
            name = _bare_test(bits)
            if name is not None:
                tested.add(name)
            else:
                structural.update(WORD.findall(token.contents))
    # A name tested but never printed is part of the shape with its value, as one used in any other tag.
    structural |= tested - printed
    return Names(
        printed=frozenset(printed - structural),
        tested=frozenset((tested & printed) - structural),
        mentioned=frozenset(printed | tested | structural),
    )


def _source(tokens: list[Token]) -> str:
    """Template source that renders as these tokens do (comments left out)."""
    parts = []
    for token in tokens:
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            parts.append(f"{{{{ {token.contents} }}}}")
        elif token.token_type == TokenType.BLOCK:
            parts.append(f"{{% {token.contents} %}}")
    return "".join(parts)


class _Loop(NamedTuple):
    """A top-level loop rendered apart: `for variable in sequence`, its body flattened (item.key -> item__key)."""

    variable: str
    sequence: str
    keys: tuple[str, ...]  # the item's keys the body reads
    body: "TemplatePart"


def _flattened_body(variable: str, body: list[Token]) -> tuple[str, tuple[str, ...]] | None:
    """The body's source with every `variable.key` as `variable__key`, and the keys; None when the body reads its
    item (or the loop) in any other way, or holds a loop or quoted text."""
    use = re.compile(rf"(?<![\w.]){re.escape(variable)}\b(\.([A-Za-z][A-Za-z0-9_]*)\b(?!\.))?")
    keys: set[str] = set()
    flattened = []
    for token in body:
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            contents = token.contents
            if "'" in contents or '"' in contents or re.search(r"\bforloop\b", contents):
                return None
            if token.token_type == TokenType.BLOCK and token.split_contents()[0] in ("for", "endfor", "empty"):
                return None
            for match in use.finditer(contents):
                if match.group(2) is None:
                    return None  # the item itself, not one of its keys
                keys.add(match.group(2))
            contents = use.sub(lambda match: f"{variable}__{match.group(2)}", contents)
            token = Token(token.token_type, contents)
        flattened.append(token)
    return _source(flattened), tuple(sorted(keys))


def _split_loops(source: str, *, autoescape: bool) -> tuple[str, list[_Loop]] | None:
    """The source with each top-level loop that can be rendered apart replaced by the name of its output, and those
    loops; None when there is none."""
    if "htg_loop_" in source or "\x00" in source:
        return None
    tokens = list(Lexer(source).tokenize())
    if any(token.token_type == TokenType.BLOCK and token.split_contents()[0] == "load" for token in tokens):
        return None  # a loop body on its own would lack the libraries loaded around it
    outer: list[Token] = []
    loops: list[_Loop] = []
    depth = 0
    position = 0
    while position < len(tokens):
        token = tokens[position]
        bits = token.split_contents() if token.token_type == TokenType.BLOCK else []
        if depth == 0 and len(bits) == 4 and bits[0] == "for" and bits[2] == "in":
            end = _loop_end(tokens, position)
            loop = (
                _loop(bits[1], bits[3], tokens[position + 1 : end], autoescape=autoescape)
                if end is not None and PLAIN_NAME.fullmatch(bits[1]) and PLAIN_NAME.fullmatch(bits[3])
                else None
            )
            if loop is not None and end is not None:
                outer.append(Token(TokenType.VAR, LOOP_OUTPUT.format(len(loops))))
                loops.append(loop)
                position = end + 1
                continue
        if bits and bits[0] in OPENING_TAGS:
            depth += 1
        elif bits and bits[0] in CLOSING_TAGS:
            depth -= 1
        outer.append(token)
        position += 1
    if not loops:
        return None
    return _source(outer), loops


def _loop_end(tokens: list[Token], start: int) -> int | None:
    """The position of the `endfor` that closes the loop opened at `start`."""
    depth = 0
    for position in range(start, len(tokens)):
        token = tokens[position]
        if token.token_type != TokenType.BLOCK:
            continue
        name = token.split_contents()[0]
        if name in OPENING_TAGS:
            depth += 1
        elif name in CLOSING_TAGS:
            depth -= 1
            if depth == 0:
                return position if name == "endfor" else None
    return None


def _loop(variable: str, sequence: str, body: list[Token], *, autoescape: bool) -> _Loop | None:
    flattened = _flattened_body(variable, body)
    if flattened is None:
        return None
    source, keys = flattened
    try:
        part = TemplatePart(source, autoescape=autoescape)
    except TemplateSyntaxError:  # the body alone does not compile: the loop stays with the rest, Django renders it
        return None
    if part.printed is None:
        return None
    return _Loop(variable, sequence, keys, part)


class TemplatePart:
    """One compiled part (subject, text or HTML) of a template, with the static pieces of the shapes seen so far."""

    def __init__(self, source: str, *, autoescape: bool) -> None:
        self.template = Template(source)
        self.autoescape = autoescape
        split = _split_loops(source, autoescape=autoescape)
        self.loops: list[_Loop] = split[1] if split is not None else []
        # The template the shapes are rendered from: the source with its loops' outputs as names.
        self.outer = Template(split[0]) if split is not None else self.template
        names = template_names(split[0] if split is not None else source)
        self.printed: frozenset[str] | None = names.printed if names is not None else None
        self.tested: frozenset[str] = names.tested if names is not None else frozenset()
        self.mentioned: frozenset[str] = names.mentioned if names is not None else frozenset()
        self.sorted_printed = sorted(self.printed or ())
        self.loop_outputs = frozenset(LOOP_OUTPUT.format(number) for number in range(len(self.loops)))
        # shape -> (static pieces, index into the printed names between each two pieces)
        self.shapes: dict[Any, tuple[list[str], list[int]]] = {}

    def _django(self, context: dict[str, Any], template: Template | None = None) -> str:
        """Django's rendering of the whole part (or of `template`, the part with its loops' outputs as names)."""
        return (template or self.template).render(Context(context, autoescape=self.autoescape))

    def _loop_output(self, loop: _Loop, context: dict[str, Any]) -> str | None:
        """The loop's output for this context, its body rendered per item; None when Django must render it (the
        sequence is not a list or tuple, an item lacks a key the body reads, or a context name could be taken
        for a flattened key)."""
        items = context.get(loop.sequence)
        if not isinstance(items, list | tuple):
            return None
        if not loop.keys:
            return "".join([loop.body.render(context)] * len(items)) if items else ""
        prefix = f"{loop.variable}__"
        if any(name.startswith(prefix) for name in context):
            return None
        names = [prefix + key for key in loop.keys]
        out = []
        for item in items:
            if type(item) is not dict or not all(key in item for key in loop.keys):
                return None
            out.append(loop.body.render({**context, **dict(zip(names, [item[key] for key in loop.keys], strict=True))}))
        return "".join(out)

    def render(self, context: dict[str, Any]) -> str:
        if self.printed is None:
            return self._django(context)
        if self.loops:
            outputs = {}
            for number, loop in enumerate(self.loops):
                output = self._loop_output(loop, context)
                if output is None:
                    return self._django(context)
                outputs[LOOP_OUTPUT.format(number)] = output
            context = {**context, **outputs}
        tested = self.tested
        names = [
            name
            for name in self.sorted_printed
            if type(value := context.get(name)) is str and (value or name not in tested)
        ]
        filled = set(names)
        rest = []
        for name, value in context.items():
            if name not in self.mentioned or name in filled:
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
        # its lazy-string wrapper: the value is exactly a str). A loop's output goes in as it is.
        values = [context[name] for name in names]
        if self.autoescape:
            outputs_ = self.loop_outputs
            values = [
                value if name in outputs_ else html.escape(value) for name, value in zip(names, values, strict=True)
            ]
        out = [statics[0]]
        for slot, static in zip(slots, statics[1:], strict=True):
            out.append(values[slot])
            out.append(static)
        return "".join(out)

    def _pieces(self, context: dict[str, Any], names: list[str]) -> tuple[list[str], list[int]]:
        marked = {**context, **{name: MARKER.format(index) for index, name in enumerate(names)}}
        split = MARKER_SPLIT.split(self._django(marked, self.outer))
        return split[0::2], [int(index) for index in split[1::2]]
