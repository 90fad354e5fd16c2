"""Reading a bounce: the bytes of a message that came back to the bounce address in, its fields out. Pure: no
database, no settings; it never raises on bad input (a message it cannot read is "unrecognised", with the reason).

Two shapes are read:

- a delivery status notification (RFC 3464): multipart/report; report-type=delivery-status, whose
  message/delivery-status part holds a block per recipient (Final-Recipient, Original-Recipient, Action, Status,
  Diagnostic-Code), followed by the returned message (message/rfc822) or its headers (text/rfc822-headers);
- the common plain-text bounce (older Exim, qmail, some appliances): from MAILER-DAEMON or postmaster, or a subject
  such as "Mail delivery failed", or an X-Failed-Recipients header, whose text names the address and an enhanced
  status code such as "550 5.1.1"; the returned message is quoted after a line such as "------ This is a copy of
  the message, including all the headers. ------".

Hard: Action failed with a Status 5.x.x (for a plain-text bounce: a 5.x.x code in its text). Soft: Action delayed,
or a 4.x.x status. Anything else is unrecognised and must not suppress anything; a person looks at it.
"""

import dataclasses
import email
import email.errors
import email.header
import re
from collections.abc import Iterator
from email.message import Message
from email.parser import HeaderParser

HARD = "hard"
SOFT = "soft"
UNRECOGNISED = "unrecognised"

# Why a message is unrecognised (the service turns these into a note for people).
NOT_A_BOUNCE = "not_a_bounce"
NO_FAILURE = "no_failure"
NO_RECIPIENT = "no_recipient"
NO_STATUS = "no_status"
UNREADABLE = "unreadable"

DSN = "dsn"
TEXT = "text"

HEADER_MAX_LENGTH = 255
DIAGNOSTIC_MAX_LENGTH = 1000
ACTION_MAX_LENGTH = 20  # InboundBounce.action's length: a longer Action is none that RFC 3464 knows
ADDRESS_MAX_LENGTH = 254  # the longest an e-mail address can be (RFC 5321); a longer "address" is none

STATUS_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MESSAGE_ID_LINE = re.compile(r"^message-id:[ \t]*\r?\n?[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
# Who sends bounces, and how their subjects read; and the line after which a plain-text bounce quotes the message.
BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|mail delivery (?:system|subsystem)", re.IGNORECASE)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status notification|failure|has failed|failed|problem)|returned mail|failure notice"
    r"|mail delivery failed|non-?delivery|could not be delivered|returned to sender",
    re.IGNORECASE,
)
RETURNED_COPY = re.compile(
    r"^[ \t]*-{2,}.*\b(?:copy|original|returned|headers)\b.*$"
    r"|^[ \t]*(?:below this line is a copy|original message follows)"
    r"|^(?:received|return-path|message-id):",
    re.IGNORECASE | re.MULTILINE,
)
NOT_A_MAILBOX = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)
DELIVERY_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
RETURNED_MESSAGE_TYPES = ("message/rfc822", "message/global")
RETURNED_HEADERS_TYPES = ("text/rfc822-headers", "message/global-headers")


@dataclasses.dataclass(frozen=True)
class BounceHeaders:
    """The bounce's own Message-ID, From and Subject (decoded, at most 255 characters each)."""

    message_id: str = ""
    sender: str = ""
    subject: str = ""


@dataclasses.dataclass(frozen=True)
class RecipientReport:
    """What the bounce says about one recipient. `kind` is hard, soft, or "" (no failure reported)."""

    address: str  # Final-Recipient, lower case; "" when the bounce does not say (or names several addresses)
    original_address: str = ""  # Original-Recipient, when given (the address before forwarding)
    action: str = ""  # failed, delayed, delivered, relayed, expanded
    status: str = ""  # 5.1.1
    diagnostic: str = ""  # smtp; 550 5.1.1 <jan@example.nl>: Recipient address rejected: User unknown
    kind: str = ""


@dataclasses.dataclass(frozen=True)
class ParsedBounce:
    """A bounce read: hard, soft or unrecognised (with the reason), how it was read (dsn or text), what it says per
    recipient, and the Message-ID of the returned message when it quotes it."""

    kind: str
    headers: BounceHeaders
    recipients: tuple[RecipientReport, ...] = ()
    original_message_id: str = ""
    source: str = ""
    reason: str = ""
    error: str = ""  # for an unreadable message: what the parser stumbled on

    @property
    def primary(self) -> RecipientReport | None:
        """The recipient the bounce is about: the first hard failure, else the first soft one, else the first."""
        for kind in (HARD, SOFT):
            for report in self.recipients:
                if report.kind == kind:
                    return report
        return self.recipients[0] if self.recipients else None


def bounce_headers(raw: bytes) -> BounceHeaders:
    """The bounce's own Message-ID, From and Subject, from its headers only (for the record made before parsing)."""
    try:
        message = email.message_from_bytes(raw)
        return _headers(message)
    except Exception:  # untrusted input: the row is written all the same, with empty headers
        return BounceHeaders()


def bounce_parse(raw: bytes) -> ParsedBounce:
    """Read a bounce. Never raises: a message that cannot be read is unrecognised with reason unreadable."""
    headers = BounceHeaders()
    try:
        message = email.message_from_bytes(raw)
        headers = _headers(message)
        return _parse(message, headers)
    except Exception as error:  # untrusted input must never stop the intake; a person looks at it
        return ParsedBounce(UNRECOGNISED, headers, reason=UNREADABLE, error=f"{type(error).__name__}: {error}")


def _parse(message: Message, headers: BounceHeaders) -> ParsedBounce:
    original_message_id = _original_message_id(message)
    status_part = next((part for part in _parts(message) if part.get_content_type() in DELIVERY_STATUS_TYPES), None)
    if status_part is not None:
        recipients = tuple(_recipient_report(block) for block in _status_blocks(status_part) if _is_recipient(block))
        kinds = {report.kind for report in recipients}
        kind = HARD if HARD in kinds else SOFT if SOFT in kinds else UNRECOGNISED
        reason = "" if kind != UNRECOGNISED else NO_FAILURE if recipients else NO_RECIPIENT
        return ParsedBounce(kind, headers, recipients, original_message_id, DSN, reason)
    if not _looks_like_bounce(message, headers):
        return ParsedBounce(UNRECOGNISED, headers, (), original_message_id, "", NOT_A_BOUNCE)
    report = _text_report(message)
    if report is None:
        return ParsedBounce(UNRECOGNISED, headers, (), original_message_id, TEXT, NO_STATUS)
    return ParsedBounce(report.kind, headers, (report,), original_message_id, TEXT)


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        text = str(value)
    return " ".join(text.split())[:HEADER_MAX_LENGTH]


def _message_id(value: str) -> str:
    found = MESSAGE_ID.search(value)
    return (found.group(0) if found else value.strip())[:HEADER_MAX_LENGTH]


def _headers(message: Message) -> BounceHeaders:
    return BounceHeaders(
        message_id=_message_id(_header(message, "Message-ID")),
        sender=_header(message, "From"),
        subject=_header(message, "Subject"),
    )


def _parts(message: Message) -> Iterator[Message]:
    """The parts of the bounce itself, in order: a returned message (message/*) is one part, not descended into."""
    yield message
    if message.get_content_maintype() == "message":
        return
    payload = message.get_payload()
    if message.is_multipart() and isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                yield from _parts(part)


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("latin-1")


def _status_blocks(part: Message) -> list[Message]:
    """The field blocks of a delivery-status part: the email package gives message/delivery-status as one Message per
    block; anything else (message/global-delivery-status) is read from its text, blocks split on empty lines."""
    payload = part.get_payload()
    if isinstance(payload, list) and part.get_content_type() == "message/delivery-status":
        return [block for block in payload if isinstance(block, Message)]
    if isinstance(payload, list):
        text = "".join(block.as_string() for block in payload if isinstance(block, Message))
    else:
        text = _text(part)
    blocks = re.split(r"\r?\n[ \t]*\r?\n", text)
    return [HeaderParser().parsestr(block.strip() + "\n") for block in blocks if block.strip()]


def _is_recipient(block: Message) -> bool:
    return any(block.get(name) is not None for name in ("Final-Recipient", "Original-Recipient", "Action"))


def _field(block: Message, name: str) -> str:
    return " ".join(str(block.get(name, "")).split())


def _address(typed_value: str) -> str:
    """The address of "rfc822; jan@example.nl" (or "<jan@example.nl>"), lower case; "" when there is none."""
    value = typed_value.partition(";")[2] if ";" in typed_value else typed_value
    found = ADDRESS.search(value)
    return found.group(0).lower() if found and len(found.group(0)) <= ADDRESS_MAX_LENGTH else ""


def _recipient_report(block: Message) -> RecipientReport:
    action = _field(block, "Action").lower()[:ACTION_MAX_LENGTH]
    diagnostic = _field(block, "Diagnostic-Code")[:DIAGNOSTIC_MAX_LENGTH]
    status_match = STATUS_CODE.search(_field(block, "Status")) or STATUS_CODE.search(diagnostic)
    status = status_match.group(0) if status_match else ""
    kind = ""
    if action == "failed" and status.startswith("5."):
        kind = HARD
    elif action == "delayed" or (action == "failed" and status.startswith("4.")):
        kind = SOFT  # a failed 4.x.x: the sender gave up on a temporary condition; the address may well be fine
    return RecipientReport(
        address=_address(_field(block, "Final-Recipient")),
        original_address=_address(_field(block, "Original-Recipient")),
        action=action,
        status=status,
        diagnostic=diagnostic,
        kind=kind,
    )


def _original_message_id(message: Message) -> str:
    """The Message-ID of the returned message: from its message/rfc822 part or text/rfc822-headers part, else from
    a Message-ID header line quoted in the bounce's text (a plain-text bounce quotes the message inline)."""
    parts = list(_parts(message))
    for part in parts:
        content_type = part.get_content_type()
        if content_type in RETURNED_MESSAGE_TYPES:
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(returned, Message) and returned.get("Message-ID"):
                return _message_id(_header(returned, "Message-ID"))
        elif content_type in RETURNED_HEADERS_TYPES:
            returned_headers = HeaderParser().parsestr(_text(part).lstrip())
            if returned_headers.get("Message-ID"):
                return _message_id(_header(returned_headers, "Message-ID"))
    for part in parts:
        if part.get_content_maintype() == "text" and part.get_content_type() not in RETURNED_HEADERS_TYPES:
            found = MESSAGE_ID_LINE.search(_text(part))
            if found:
                return found.group(1)[:HEADER_MAX_LENGTH]
    return ""


def _looks_like_bounce(message: Message, headers: BounceHeaders) -> bool:
    return bool(
        message.get("X-Failed-Recipients")
        or BOUNCE_SENDER.search(headers.sender)
        or BOUNCE_SUBJECT.search(headers.subject)
    )


def _explanation(message: Message) -> str:
    """The bounce's own words: its first text part, up to where it starts quoting the returned message."""
    for part in _parts(message):
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            text = _text(part)
            cut = RETURNED_COPY.search(text)
            return text[: cut.start()] if cut else text
    return ""


def _text_report(message: Message) -> RecipientReport | None:
    """The failure a plain-text bounce describes, or None when its text has no enhanced status code. The address is
    X-Failed-Recipients, else the one address its text names ("" when it names several)."""
    text = _explanation(message)
    codes = list(STATUS_CODE.finditer(text))
    code = next((found for found in codes if found.group(1) == "5"), None) or next(
        (found for found in codes if found.group(1) == "4"), None
    )
    if code is None:
        return None
    failed = message.get("X-Failed-Recipients")
    candidates = ADDRESS.findall(str(failed)) if failed else ADDRESS.findall(text)
    addresses = {
        address.lower()
        for address in candidates
        if len(address) <= ADDRESS_MAX_LENGTH and not NOT_A_MAILBOX.match(address)
    }
    line_start = text.rfind("\n", 0, code.start()) + 1
    line_end = text.find("\n", code.end())
    diagnostic = " ".join(text[line_start : line_end if line_end != -1 else len(text)].split())
    return RecipientReport(
        address=addresses.pop() if len(addresses) == 1 else "",
        status=code.group(0),
        diagnostic=diagnostic[:DIAGNOSTIC_MAX_LENGTH],
        kind=HARD if code.group(1) == "5" else SOFT,
    )
