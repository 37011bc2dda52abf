"""Masking personal data in resident texts before they leave the contact log as statistics
or candidate training examples: e-mail addresses, Finnish personal identity codes, phone
numbers (and other long digit runs such as account numbers), and names.

Names cannot be recognised with certainty; the rules err on the side of masking:
a capitalised word after a name phrase ("nimeni on", "jag heter", "my name is"),
a common first name anywhere, and capitalised words inside a sentence unless they are
known words of the city's services. Mask the original text (capitals matter), then
lower-case it for grouping.
"""

from __future__ import annotations

import functools
import re
from typing import FrozenSet

EMAIL = "<email>"
ID_CODE = "<id_code>"
PHONE = "<phone>"
NAME = "<name>"

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# DDMMYY, the century sign (+, -, A-F, U-Y), three digits, the check character.
ID_CODE_PATTERN = re.compile(r"\b\d{6}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y]\b")
# Seven or more digits, possibly with +, spaces, dashes, dots or brackets between them.
PHONE_PATTERN = re.compile(r"(?<![\w<])\+?\(?\d(?:[\s\-.()/]*\d){6,}(?![\w>])")
WORD = r"[A-ZÅÄÖa-zåäöéü][a-zåäöéü'-]+"
CAPITAL_WORD = r"[A-ZÅÄÖ][a-zåäöéü'-]+"
# After these the next one or two words are a name, whatever their case ...
NAME_PHRASE = re.compile(
    r"(?i)\b(nimeni on|nimi on|jag heter|mitt namn är|namnet är|my name is|name is)\s+"
    rf"({WORD})((?:\s+{CAPITAL_WORD})?)")
# ... and after these only when capitalised ("olen sairas" is not a name).
WEAK_NAME_PHRASE = re.compile(
    r"(?i:\b(olen|minä olen|täällä|jag är|här är|i am|i'm|this is))\s+"
    rf"({CAPITAL_WORD})((?:\s+{CAPITAL_WORD})?)")
CAPITALISED = re.compile(r"(?<=[\w,;:)] )([A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?)")
# Common first names in Porvoo (Finnish and Swedish), lower case.
FIRST_NAMES = frozenset("""
aino anna anne annika anja antti ari eero eeva elina elias ella emil emma erik eva hanna
harri heikki helena helmi henrik ilkka jaana jani janne jari johanna jonas juha juho jukka
jussi kaisa kalle kari karin katja kristian kristiina lars laura lauri leena liisa lotta
maija marja marko markus matti mikael mikko minna niklas nina oskar outi paula pekka petri
pia riikka sanna sari seppo simo sofia susanna tapio teemu timo tuomas tuula ulla veikko
ville
""".split())
# Capitalised words that are not names: places, services and the city's own terms.
KNOWN_WORDS = frozenset("""
porvoo borgå porvoon porvoossa borgås helsinki helsingfors suomi finland finnish swedish
english kompassi omaolo kela hsl suomi.fi vero mypo wilma facebook google teams ok
monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december i
""".split())


@functools.lru_cache(maxsize=1)
def _allowed() -> FrozenSet[str]:
    return KNOWN_WORDS - FIRST_NAMES


def mask(text: str) -> str:
    """The text with personal data replaced by <email>, <id_code>, <phone> and <name>."""
    masked = EMAIL_PATTERN.sub(EMAIL, text)
    masked = ID_CODE_PATTERN.sub(ID_CODE, masked)
    masked = PHONE_PATTERN.sub(PHONE, masked)
    masked = NAME_PHRASE.sub(_mask_introduced_name, masked)
    masked = WEAK_NAME_PHRASE.sub(_mask_introduced_name, masked)
    masked = CAPITALISED.sub(_mask_capitalised, masked)
    return re.sub(r"\b[\wåäöÅÄÖ-]+\b", _mask_first_name, masked)


def _mask_introduced_name(match: re.Match) -> str:
    return f"{match.group(1)} {NAME}" + (f" {NAME}" if match.group(3) else "")


def _mask_capitalised(match: re.Match) -> str:
    word = match.group(1).lower()
    known = word in _allowed() or any(word.startswith(k) for k in _allowed() if len(k) >= 5)
    return match.group(1) if known else NAME


def _mask_first_name(match: re.Match) -> str:
    word = match.group(0)
    return NAME if word.lower() in FIRST_NAMES else word
