"""Personal data masked in exported resident texts."""

from __future__ import annotations

import pytest

from servicedesk.stats.masking import mask


@pytest.mark.parametrize(("text", "expected"), [
    ("soita 040 123 4567 kiitos", "soita <phone> kiitos"),
    ("numeroni on +358 40 1234567", "numeroni on <phone>"),
    ("(09) 123 4567", "<phone>"),
    ("posti matti.virtanen@example.fi", "posti <email>"),
    ("hetu 131052-308T", "hetu <id_code>"),
    ("hetuni on 010105A123B.", "hetuni on <id_code>."),
    ("Nimeni on Matti Virtanen", "Nimeni on <name> <name>"),
    ("nimeni on liisa", "nimeni on <name>"),
    ("Jag heter Anna Lindqvist", "Jag heter <name> <name>"),
    ("my name is John Smith", "my name is <name> <name>"),
    ("I am Sarah from the school", "I am <name> from the school"),
    ("olen sairas, mihin menen?", "olen sairas, mihin menen?"),
    ("kysyin tätä Pekalta eilen", "kysyin tätä <name> eilen"),
    ("missä on Porvoon Kompassi", "missä on Porvoon Kompassi"),
    ("kirjasto aukeaa klo 9.00", "kirjasto aukeaa klo 9.00"),
    ("hinta 25 euroa vuonna 2026", "hinta 25 euroa vuonna 2026"),
])
def test_masks_personal_data(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_first_names_are_masked_in_lower_case_too() -> None:
    assert mask("matti sanoi että soitan") == "<name> sanoi että soitan"
