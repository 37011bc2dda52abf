"""What the e-mail channel writes: reference numbers, subjects, bodies, Message-IDs,
and the outgoing `EmailMessage` itself (texts in email_texts.yml, fi/sv/en)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any, Optional

from servicedesk.core.i18n import TextFile
from servicedesk.queue.service_hours import HELSINKI

TEXTS_FILE = Path(__file__).with_name("email_texts.yml")
FROM_NAME = "Porvoon kaupunki – Borgå stad – City of Porvoo"
# Crockford-like: no 0/O, 1/I/L, so a reference read aloud or retyped stays right.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6
REFERENCE = re.compile(r"\bPRV-\d{4}-[" + REFERENCE_ALPHABET + r"]{6}\b", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*((re|sv|vs|aw|fw|fwd|vl)\s*:\s*)+", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
MAX_SUBJECT_CHARS = 200


TEXTS = TextFile(TEXTS_FILE)


def text(key: str, language: str, **values: Any) -> str:
    """The e-mail line `key` in `language` (Finnish when the language is unknown)."""
    return TEXTS.text(key, language, **values)


def new_reference(moment: datetime) -> str:
    """PRV-<year>-XXXXXX: 31^6 (about 887 million) possibilities a year."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"PRV-{moment.astimezone(HELSINKI).year}-{code}"


def references_in(value: str) -> list[str]:
    return [found.upper() for found in REFERENCE.findall(value or "")]


def one_line(value: str) -> str:
    """A header value without line breaks or control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def base_subject(subject: Optional[str]) -> str:
    """The resident's subject without Re:/SV: prefixes and reference numbers."""
    cleaned = REFERENCE.sub("", one_line(subject or ""))
    cleaned = REPLY_PREFIX.sub("", cleaned.replace("[]", ""))
    return " ".join(cleaned.split())[:MAX_SUBJECT_CHARS]


def answer_subject(subject: Optional[str], reference: str, language: str) -> str:
    base = base_subject(subject)
    if base:
        return f"Re: {base} [{reference}]"
    return text("answer_subject", language, reference=reference)


def answer_body(staff_text: str, *, reference: str, department: str, language: str) -> str:
    footer = text("answer_footer", language, reference=reference, department=department)
    return f"{staff_text.strip()}\n\n-- \n{footer}\n"


def new_message_id(from_address: str) -> str:
    return make_msgid(domain=from_address.rpartition("@")[2] or "localhost")


def message_id_hash(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().encode("utf-8", "surrogateescape")).hexdigest()


def build_mail(*, from_address: str, to_address: str, subject: str, body: str,
               message_id: str, in_reply_to: Optional[str], language: str,
               automatic: bool, date: datetime) -> EmailMessage:
    """The outgoing mail; an acknowledgement says it is automatic (RFC 3834)."""
    mail = EmailMessage()
    mail["From"] = formataddr((FROM_NAME, from_address))
    mail["To"] = to_address
    mail["Subject"] = one_line(subject)
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id
    mail["Content-Language"] = language
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    if automatic:
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content(body)
    return mail
