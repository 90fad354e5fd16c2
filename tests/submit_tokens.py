"""A form whose submit creates a row carries a submit token ({% submit_token %}); a test posts one as a browser does:
the page's own (`page_submit_token`), or a fresh one for a page it did not open (`fresh_submit_token`)."""

import re
import uuid

TOKEN_INPUT = re.compile(r'<input type="hidden" name="submit_token" value="([0-9a-f\-]{36})">')


def page_submit_token(response) -> str:
    tokens = TOKEN_INPUT.findall(response.content.decode())
    assert len(tokens) == 1, tokens
    return tokens[0]


def fresh_submit_token() -> str:
    return str(uuid.uuid4())
