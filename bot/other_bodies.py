"""Names of other public bodies (Kela, the police, ...): a message that names one is theirs.

Read from data/knowledge/other_bodies.yml (`names`), matched as whole words on lower-case
text with ä/ö/å folded, so "kelalta" or "skatteforvaltningen" are found as typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

BODIES_FILE = Path(__file__).resolve().parent.parent / "data" / "knowledge" / "other_bodies.yml"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=4)
def _pattern(path: Path) -> Optional[re.Pattern[str]]:
    bodies = yaml.safe_load(path.read_text(encoding="utf-8"))["bodies"]
    names = sorted({fold(name) for body in bodies.values() for name in body.get("names") or []},
                   key=len, reverse=True)
    if not names:
        return None
    # "kansalaisuu*" is a stem: any ending; other names are whole words.
    alternatives = [re.escape(n[:-1]) + r"\w*" if n.endswith("*") else re.escape(n)
                    for n in names]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def names_another_body(text: str, path: Path = BODIES_FILE) -> bool:
    pattern = _pattern(path)
    return bool(pattern and pattern.search(fold(text)))
