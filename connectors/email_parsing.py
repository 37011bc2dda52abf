"""Reading one inbound mail: sender, subject, text, thread ids and attachments.

Whatever cannot be read cleanly is refused with an SMTP status (5xx) that says why;
attachments are kept as opaque bytes and never opened.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import PurePosixPath, PureWindowsPath
from typing import List, Optional, Tuple

from connectors.email_compose import MESSAGE_ID, one_line

MAIL_HEADERS = ("From", "Subject", "Message-ID", "In-Reply-To", "References", "Date")
AUTOMATIC_PRECEDENCE = ("bulk", "junk", "list")
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MailRefused(Exception):
    """The mail is refused; `status` is the SMTP reply line."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Attachment:
    filename: Optional[str]
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class InboundMail:
    sender: str
    sender_name: Optional[str]
    subject: str
    text: str
    # Its Message-ID, or a digest of the whole mail when it has none (for duplicates).
    message_id: Optional[str]
    dedup_key: str
    references: Tuple[str, ...]
    language_hint: Optional[str]
    automatic: bool
    attachments: Tuple[Attachment, ...]


@dataclass(frozen=True)
class MailLimits:
    max_text_chars: int
    attachment_policy: str
    max_attachment_bytes: int


def parse_mail(raw: bytes, limits: MailLimits) -> InboundMail:
    """Read a mail or raise MailRefused."""
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    _check_structure(mail)
    sender, name = _sender(mail)
    subject = one_line(str(mail.get("Subject", "")))
    body = _body_text(mail)
    if not body.strip() and not subject:
        raise MailRefused("554 5.6.0 The message has no text.")
    if len(body) > limits.max_text_chars:
        raise MailRefused(f"552 5.3.4 The message text is longer than the limit of "
                          f"{limits.max_text_chars} characters.")
    message_id = _first_id(str(mail.get("Message-ID", "")))
    return InboundMail(
        sender=sender, sender_name=name, subject=subject, text=body.strip(),
        message_id=message_id,
        dedup_key=message_id or f"<{hashlib.sha256(raw).hexdigest()}@digest.invalid>",
        references=_thread_ids(mail), language_hint=_language_hint(mail),
        automatic=_is_automatic(mail), attachments=_attachments(mail, limits))


def _check_structure(mail: EmailMessage) -> None:
    for part in mail.walk():
        if part.defects:
            raise MailRefused(f"554 5.6.0 Malformed message: {type(part.defects[0]).__name__}.")
    for name in MAIL_HEADERS:
        values = mail.get_all(name) or []
        if name in ("From", "Subject", "Message-ID") and len(values) > 1:
            raise MailRefused(f"554 5.6.0 Malformed header: more than one {name}.")
        for value in values:
            if getattr(value, "defects", None) or _has_raw_bytes(str(value)):
                raise MailRefused(f"554 5.6.0 Malformed header: {name}.")


def _has_raw_bytes(value: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in value)


def _sender(mail: EmailMessage) -> Tuple[str, Optional[str]]:
    header = mail.get("From")
    addresses: Tuple[Address, ...] = tuple(getattr(header, "addresses", ()) or ())
    if header is None or len(addresses) != 1:
        raise MailRefused("554 5.6.0 Malformed header: From must name exactly one sender.")
    address = addresses[0]
    if not ADDRESS.match(address.addr_spec) or len(address.addr_spec) > 320:
        raise MailRefused("554 5.6.0 Malformed header: the From address is not valid.")
    return address.addr_spec, one_line(address.display_name)[:200] or None


def _body_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        raise MailRefused("554 5.6.0 The message text has an unknown character set.") from None
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_type() == "text/html" else content


class _TextOfHtml(HTMLParser):
    BLOCKS = frozenset("p div br li tr h1 h2 h3 h4 h5 h6 blockquote".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body (scripts and styles dropped, never run)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _first_id(value: str) -> Optional[str]:
    found = MESSAGE_ID.search(value)
    return found.group(0) if found else None


def _thread_ids(mail: EmailMessage) -> Tuple[str, ...]:
    ids: List[str] = []
    for name in ("In-Reply-To", "References"):
        ids.extend(MESSAGE_ID.findall(str(mail.get(name, ""))))
    return tuple(dict.fromkeys(ids))[:50]


def _language_hint(mail: EmailMessage) -> Optional[str]:
    value = str(mail.get("Content-Language", "")).strip().lower()
    return value[:2] if value[:2] in ("fi", "sv", "en") else None


def _is_automatic(mail: EmailMessage) -> bool:
    """Auto-replies and bulk mail get no acknowledgement (no mail loops, RFC 3834)."""
    auto = str(mail.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(mail.get("Precedence", "")).strip().lower()
    return auto != "no" or precedence in AUTOMATIC_PRECEDENCE


def _attachments(mail: EmailMessage, limits: MailLimits) -> Tuple[Attachment, ...]:
    found: List[Attachment] = []
    for part in mail.iter_attachments():
        assert isinstance(part, EmailMessage)
        if limits.attachment_policy != "store":
            raise MailRefused("550 5.7.1 Attachments are not accepted. Write your message as "
                              "text, or use the contact form.")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else part.as_bytes()
        found.append(Attachment(filename=safe_filename(part.get_filename()),
                                content_type=part.get_content_type()[:128], data=data))
    total = sum(len(a.data) for a in found)
    if total > limits.max_attachment_bytes:
        raise MailRefused(f"552 5.3.4 The attachments are larger than the limit of "
                          f"{limits.max_attachment_bytes} bytes.")
    return tuple(found)


def safe_filename(name: Optional[str]) -> Optional[str]:
    """Only the last path component, printable, at most 255 characters."""
    if not name:
        return None
    last = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = "".join(c for c in last if c.isprintable()).strip().lstrip(".")
    return cleaned[:255] or None


QUOTE_INTRO = re.compile(r".{0,200}:\s*$")


def strip_quoted(text: str) -> str:
    """A reply without the quoted earlier messages ("> ..." and the line introducing them)."""
    lines = text.splitlines()
    kept: List[str] = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        following = next((n for n in lines[index + 1:] if n.strip()), "")
        if QUOTE_INTRO.fullmatch(line.strip()) and following.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
