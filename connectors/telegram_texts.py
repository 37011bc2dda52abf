"""The Telegram adapter's own lines, in fi, sv and en (the assistant's lines come from Rasa)."""

from __future__ import annotations

from typing import Dict, Optional

LANGUAGES = ("fi", "sv", "en")
# Each language's own name, on the buttons of the language choice.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

LINES: Dict[str, Dict[str, str]] = {
    "choose_language": {
        "fi": "Valitse kieli.",
        "sv": "Välj språk.",
        "en": "Choose a language.",
    },
    "too_fast": {
        "fi": "Lähetit monta viestiä lyhyessä ajassa. Odota hetki ja lähetä viestisi sitten "
              "uudelleen.",
        "sv": "Du skickade många meddelanden på kort tid. Vänta en stund och skicka sedan "
              "ditt meddelande igen.",
        "en": "You sent many messages in a short time. Please wait a moment and then send "
              "your message again.",
    },
    "text_only": {
        "fi": "Osaan lukea vain tekstiä. Kirjoita kysymyksesi viestinä, niin autan.",
        "sv": "Jag kan bara läsa text. Skriv din fråga som ett meddelande, så hjälper jag dig.",
        "en": "I can only read text. Write your question as a message and I will help.",
    },
    "too_long": {
        "fi": "Viestisi on liian pitkä (enintään {limit} merkkiä). Lyhennä sitä tai jaa se "
              "useampaan viestiin.",
        "sv": "Ditt meddelande är för långt (högst {limit} tecken). Förkorta det eller dela "
              "upp det i flera meddelanden.",
        "en": "Your message is too long (at most {limit} characters). Please shorten it or "
              "split it into several messages.",
    },
    "still_with_person": {
        "fi": "Keskustelusi asiakaspalvelun kanssa on yhä auki. Kirjoita viestisi tähän.",
        "sv": "Din chatt med kundtjänsten är fortfarande öppen. Skriv ditt meddelande här.",
        "en": "Your conversation with customer service is still open. Write your message here.",
    },
    "button_expired": {
        "fi": "Tämä painike ei ole enää käytössä.",
        "sv": "Den här knappen används inte längre.",
        "en": "This button is no longer in use.",
    },
}


def line(key: str, language: Optional[str], **values: object) -> str:
    """The line in `language`; without a known language, all three one after another."""
    entry = LINES[key]
    if language in LANGUAGES:
        return entry[str(language)].format(**values)
    return "\n".join(entry[code].format(**values) for code in LANGUAGES)
