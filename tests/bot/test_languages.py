"""Short-text language detection and switch requests."""

from __future__ import annotations

import pytest

from bot.languages import detect_language, requested_language


@pytest.mark.parametrize(("text", "code"), [
    ("miten haen lapselle päiväkotipaikkaa", "fi"),
    ("hur ansöker ja om dagisplats i borgå", "sv"),
    ("how do i apply for a daycare place", "en"),
    ("my tid at hälsostationen needs to be cancelled", "en"),
    ("hammaslääkäri time for me please", "en"),
    ("var finns närmaste återvinningsstation", "sv"),
])
def test_detects_the_language_of_resident_messages(text: str, code: str) -> None:
    guess = detect_language(text)
    assert guess is not None and guess.code == code and guess.reliable


@pytest.mark.parametrize("text", ["ok", "hei", "tack", "jes"])
def test_very_short_messages_are_not_reliable(text: str) -> None:
    guess = detect_language(text)
    assert guess is not None and not guess.reliable


@pytest.mark.parametrize("text", ["", "   ", "😀👍", "!!!", "123"])
def test_no_letters_no_guess(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(("text", "code"), [
    ("puhutko ruotsia?", "sv"), ("in English please", "en"), ("på svenska", "sv"),
    ("kan du prata finska", "fi"), ("vaihda kieli englanniksi", "en"), ("hello", None)])
def test_requested_language(text: str, code: str | None) -> None:
    assert requested_language(text) == code
