"""Masking personal data in resident texts before they leave the contact log as statistics
or candidate training examples: e-mail addresses, Finnish personal identity codes, phone
numbers (and other long digit runs such as account numbers), and names.

Names cannot be recognised with certainty; the rules err on the side of masking:
a word after a name phrase ("nimeni on", "jag heter", "my name is"), a first name or
surname of the gazetteer (name_gazetteer.txt) in any case, a word after a masked name
that is a surname or ends like one (-nen, -ström ...), and capitalised words inside a
sentence unless they are known words of the city's services. Mask the original text
(capitals matter), then lower-case it for grouping.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Dict, FrozenSet

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
GAZETTEER = Path(__file__).with_name("name_gazetteer.txt")


def _gazetteer() -> Dict[str, FrozenSet[str]]:
    """{"first names": ..., "surnames": ...} of name_gazetteer.txt, lower case."""
    sections: Dict[str, set[str]] = {}
    current = ""
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            current = line.strip("[] ")
            sections[current] = set()
        else:
            sections[current].update(line.split())
    return {name: frozenset(words) for name, words in sections.items()}


_NAMES = _gazetteer()
FIRST_NAMES = _NAMES["first names"]
SURNAMES = _NAMES["surnames"]
# Surnames typed in lower case are also known by their endings (-nen, -ström ...),
# in any case form ("virtaselle", "virtasen").
SURNAME_ENDINGS = re.compile(
    r"(?i)^[a-zåäö]{2,}(?:nen|sen|selle|selta|sella|sta|ström|strom|qvist|kvist|berg|lund|"
    r"holm|gren|blom|roos)$")
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
    masked = re.sub(r"\b[\wåäöÅÄÖ-]+\b", _mask_first_name, masked)
    # A word after a masked name that is a surname, or looks like one, is the surname.
    return AFTER_NAME.sub(_mask_surname_after_name, masked)


AFTER_NAME = re.compile(rf"({re.escape(NAME)})\s+([a-zåäöA-ZÅÄÖ][a-zåäöéü'-]+)")


def _mask_surname_after_name(match: re.Match) -> str:
    word = match.group(2)
    is_surname = word.lower() in SURNAMES or SURNAME_ENDINGS.match(word)
    return f"{match.group(1)} {NAME}" if is_surname else match.group(0)


def _mask_introduced_name(match: re.Match) -> str:
    return f"{match.group(1)} {NAME}" + (f" {NAME}" if match.group(3) else "")


def _mask_capitalised(match: re.Match) -> str:
    word = match.group(1).lower()
    known = word in _allowed() or any(word.startswith(k) for k in _allowed() if len(k) >= 5)
    return match.group(1) if known else NAME


def _mask_first_name(match: re.Match) -> str:
    word = match.group(0).lower()
    return NAME if word in FIRST_NAMES or word in SURNAMES else match.group(0)
