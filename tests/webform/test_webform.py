"""The contact form over real HTTP: validation, the token, rate limits, the same queue and
the same acknowledgement as e-mail (captured by a real SMTP server)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Dict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.email_models import OutgoingMail, WrittenContact
from servicedesk.core.settings import Settings
from servicedesk.models import Conversation, Handoff, Message
from tests.connectors.test_email_channel import (  # noqa: F401 (fixtures)
    MailCatcher,
    catcher,
    count,
    email_settings,
    open_app,
    rows,
)
from tests.support.stack import RasaStack

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client: TestClient, lang: str = "fi") -> str:
    page = client.get("/contact", params={"lang": lang})
    assert page.status_code == 200
    found = TOKEN.search(page.text)
    assert found
    return found.group(1)


def submit(client: TestClient, lang: str = "fi", token: str = "", **fields: str) -> Any:
    data: Dict[str, str] = {"lang": lang, "topic": "other", "message": "",
                            "form_token": token or form_token(client, lang)}
    data.update(fields)
    return client.post("/contact", data=data)


@pytest.fixture
def client(database_url: str, rasa_stack: RasaStack, catcher: MailCatcher,  # noqa: F811
           open_app: Callable[[Settings], TestClient]) -> TestClient:  # noqa: F811
    return open_app(email_settings(database_url, rasa_stack, catcher.port,
                                   webform_submissions_per_minute_per_address=3))


@pytest.mark.parametrize(("lang", "label", "other", "library"), [
    ("fi", "Viesti", "Muu tai en tiedä", "Kirjasto"),
    ("sv", "Meddelande", "Annat eller vet inte", "Biblioteket"),
    ("en", "Message", "Other or not sure", "Library")])
def test_the_form_is_served_in_each_language(client: TestClient, lang: str, label: str,
                                             other: str, library: str) -> None:
    page = client.get("/contact", params={"lang": lang})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert f'<label for="message">{label}' in page.text and other in page.text
    assert f'<option value="library">{library}</option>' in page.text
    assert client.get("/contact", params={"lang": "de"}).status_code == 422


def test_a_submission_is_routed_and_acknowledged_by_email(
        client: TestClient, catcher: MailCatcher, database_url: str) -> None:  # noqa: F811
    answer = submit(client, "sv", topic="other", name="Sven Svensson",
                    email="sven@example.se", phone="+358 40 123 4567",
                    message="Hur ansöker jag om bygglov för en bastu på min tomt?")
    assert answer.status_code == 200, answer.text
    contact = rows(database_url, select(WrittenContact))[0]
    assert contact.reference in answer.text and "senast" in answer.text
    assert (contact.channel, contact.address, contact.name, contact.phone) == (
        "webform", "sven@example.se", "Sven Svensson", "+358 40 123 4567")
    conversation = rows(database_url, select(Conversation))[0]
    assert (conversation.channel, conversation.language) == ("webform", "sv")
    handoff = rows(database_url, select(Handoff))[0]
    assert (handoff.reason, handoff.kind, handoff.department, handoff.topic) == (
        "webform", "message", "technical", "building_permits")
    message = rows(database_url, select(Message).where(Message.sender == "resident"))[0]
    assert "bastu" in message.text and "sven@example.se" not in message.text

    ack = catcher.wait_for(1)[0]
    assert ack["To"].addresses[0].addr_spec == "sven@example.se"
    assert contact.reference in ack["Subject"] and "tagits emot" in ack["Subject"]
    assert "stadsutveckling" in ack.get_content()


def test_a_chosen_topic_routes_without_contact_details(
        client: TestClient, database_url: str) -> None:
    answer = submit(client, "en", topic="daycare", message="Question about the fees.")
    assert answer.status_code == 200
    assert "no contact details" in answer.text
    assert rows(database_url, select(Handoff.department)) == ["education"]
    assert count(database_url, OutgoingMail) == 0


def test_resubmitting_the_same_page_does_not_create_a_second_contact(
        client: TestClient, database_url: str) -> None:
    token = form_token(client)
    first = submit(client, token=token, message="Milloin kirjasto on auki?")
    again = submit(client, token=token, message="Milloin kirjasto on auki?")
    reference = rows(database_url, select(WrittenContact.reference))
    assert len(reference) == 1
    assert reference[0] in first.text and reference[0] in again.text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"message": "   "}, "message", "Kirjoita viesti."),
    ({"message": "x" * 5001}, "message", "enintään 5000 merkkiä (nyt 5001)"),
    ({"message": "Hei", "email": "ei-osoite"}, "email", "nimi@esimerkki.fi"),
    ({"message": "Hei", "phone": "soita minulle"}, "phone", "puhelinnumero numeroina"),
    ({"message": "Hei", "topic": "nonexistent"}, "topic", "Valitse aihe"),
])
def test_invalid_fields_are_explained_and_nothing_is_stored(
        client: TestClient, database_url: str, fields: Dict[str, str], field: str,
        message: str) -> None:
    answer = submit(client, **fields)
    assert answer.status_code == 422
    assert message in answer.text
    assert f'<a href="#{field}">' in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text)
    assert answer.text.count(' aria-invalid="true"') == 1
    assert "<title>Virhe:" in answer.text
    assert count(database_url, Conversation) == 0


def test_a_forged_or_expired_token_is_refused_and_the_text_kept(
        client: TestClient, database_url: str) -> None:
    answer = submit(client, token="forged.token.value", message="Tekstini säilyy")
    assert answer.status_code == 400
    assert "Lomake vanheni" in answer.text and "Tekstini säilyy" in answer.text
    assert count(database_url, Conversation) == 0


def test_floods_from_one_address_are_slowed(client: TestClient, database_url: str) -> None:
    for n in range(3):
        assert submit(client, message=f"Kysymys {n}").status_code == 200
    answer = submit(client, message="Neljäs kysymys")
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert "liian monta" in answer.text and "Neljäs kysymys" in answer.text
    assert count(database_url, Conversation) == 3


def test_characters_no_database_stores_are_dropped(client: TestClient,
                                                   database_url: str) -> None:
    answer = submit(client, "en", topic="daycare", message="Fees\x00 please", name="A\x00na")
    assert answer.status_code == 200
    assert rows(database_url, select(Handoff.department)) == ["education"]
