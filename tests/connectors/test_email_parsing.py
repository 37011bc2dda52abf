"""Reading inbound mail: what is refused and why, what is kept; the channel's texts exist
in all three languages."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
import yaml

from connectors import email_compose
from connectors.email_parsing import (
    MailLimits,
    MailRefused,
    html_to_text,
    parse_mail,
    safe_filename,
    strip_quoted,
)

LIMITS = MailLimits(max_text_chars=1000, attachment_policy="refuse", max_attachment_bytes=100)


def crlf(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def refusal(raw: bytes, limits: MailLimits = LIMITS) -> str:
    with pytest.raises(MailRefused) as refused:
        parse_mail(raw, limits)
    return refused.value.status


def test_a_plain_mail_is_read_with_its_thread_and_language() -> None:
    mail = parse_mail(crlf(
        "From: =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.se>", "Subject: Fråga",
        "Message-ID: <abc@example.se>", "In-Reply-To: <out1@porvoo.example>",
        "References: <root@example.se> <out1@porvoo.example>", "Content-Language: sv-FI",
        "Content-Type: text/plain; charset=utf-8", "", "Hej, en fråga."), LIMITS)
    assert (mail.sender, mail.sender_name, mail.subject) == ("bjorn@example.se", "Björn",
                                                              "Fråga")
    assert mail.message_id == mail.dedup_key == "<abc@example.se>"
    assert mail.references == ("<out1@porvoo.example>", "<root@example.se>")
    assert (mail.language_hint, mail.automatic, mail.text) == ("sv", False, "Hej, en fråga.")


def test_html_only_mail_gives_its_visible_text_and_scripts_are_dropped() -> None:
    assert html_to_text("<p>Hei</p><script>alert(1)</script><p>kiitos &amp; moi</p>") == \
        "Hei\nkiitos & moi"


@pytest.mark.parametrize(("raw", "expected"), [
    (crlf("Subject: hei", "", "Hei"), "554 5.6.0 Malformed header: From"),
    (crlf("From: a@example.fi, b@example.fi", "", "Hei"), "554 5.6.0 Malformed header: From"),
    (crlf("From: nobody", "", "Hei"), "554 5.6.0 Malformed header: From"),
    (crlf("From: a@example.fi", "Subject: a", "Subject: b", "", "Hei"), "554 5.6.0"),
    (crlf("From: a@example.fi", "Subject:", "", " "), "554 5.6.0 The message has no text"),
    (crlf("From: a@example.fi", "Content-Type: text/plain; charset=x-unknown", "", "Hei"),
     "554 5.6.0 The message text has an unknown character set"),
    (crlf("From: a@example.fi", "", "x" * 1001), "552 5.3.4"),
    (crlf("From: a@example.fi", "Content-Type: multipart/mixed", "", "no boundary"),
     "554 5.6.0 Malformed message"),
])
def test_malformed_or_empty_mail_is_refused_with_a_reason(raw: bytes, expected: str) -> None:
    assert refusal(raw).startswith(expected)


def test_attachments_follow_the_policy_and_the_limit() -> None:
    mail = EmailMessage()
    mail["From"] = "a@example.fi"
    mail.set_content("Liite")
    mail.add_attachment(b"MZ\x90\x00" * 10, maintype="application", subtype="octet-stream",
                        filename="C:\\temp\\..\\ohjelma.exe")
    raw = bytes(mail)
    assert refusal(raw).startswith("550 5.7.1")
    stored = parse_mail(raw, MailLimits(1000, "store", 100)).attachments
    assert [(a.filename, a.data) for a in stored] == [("ohjelma.exe", b"MZ\x90\x00" * 10)]
    assert refusal(raw, MailLimits(1000, "store", 39)).startswith("552 5.3.4")


def test_auto_replies_are_recognised() -> None:
    raw = crlf("From: a@example.fi", "Auto-Submitted: auto-replied", "", "Olen lomalla")
    assert parse_mail(raw, LIMITS).automatic


def test_quoted_earlier_messages_are_left_out_of_a_reply() -> None:
    reply = "Kiitos!\n\nOn Tue, City wrote:\n> earlier\n> lines\nTerveisin Maija"
    assert strip_quoted(reply) == "Kiitos!\n\nTerveisin Maija"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("...") is None


def test_references_are_readable_and_found_in_subjects() -> None:
    from datetime import datetime, timezone
    reference = email_compose.new_reference(datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc))
    assert reference.startswith("PRV-2027-")  # already 2027 in Helsinki
    assert not set(reference[9:]) & set("01ILO")
    assert email_compose.references_in(f"Re: Vs: asia [{reference.lower()}]") == [reference]
    assert email_compose.answer_subject(f"RE: SV: Lainat [{reference}]", reference, "fi") == \
        f"Re: Lainat [{reference}]"
    assert email_compose.one_line("a\r\nBcc: x@example.com") == "a Bcc: x@example.com"


def test_every_email_text_exists_in_all_three_languages() -> None:
    texts = yaml.safe_load(email_compose.TEXTS_FILE.read_text(encoding="utf-8"))
    for key, entry in texts.items():
        assert {k for k, v in entry.items() if v and v.strip()} == {"fi", "sv", "en"}, key
