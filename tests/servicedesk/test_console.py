"""The staff console over HTTP: log-in and lock-out, the item's whole life, notes, transfer."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from actions.knowledge import knowledge
from connectors.email_models import WrittenContact
from servicedesk import contacts
from servicedesk.app import create_app
from servicedesk.console import auth
from servicedesk.console.models import StaffSession, StaffUser
from servicedesk.core.types import utcnow
from servicedesk.models import Handoff, Rating
from servicedesk.texts import department_name, text
from tests.servicedesk.conftest import create_staff, login, make_settings, say, start


def ask_for_person(client: TestClient, language: str = "fi") -> tuple[str, int]:
    conversation = start(client, language)["conversation_id"]
    phrase = {"fi": "haluan puhua ihmisen kanssa", "sv": "jag vill prata med en människa",
              "en": "I want to talk to a person"}[language]
    say(client, conversation, phrase)
    item = client.app.state.sessions().execute(
        select(Handoff.id).where(Handoff.conversation_id == conversation)).scalar_one()
    return conversation, int(item)


def post(client: TestClient, csrf: str, path: str, body: dict) -> dict:
    response = client.post(path, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_login_sets_a_secure_http_only_cookie_and_logout_ends_it(client: TestClient,
                                                                 database_url: str) -> None:
    create_staff(database_url, "anna")
    csrf = login(client, "anna")
    cookie = next(c for c in client.cookies.jar if c.name == "porvoo_staff_session")
    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert client.get("/console/api/queue").status_code == 200
    with Session(create_engine(database_url, future=True)) as session:
        stored = session.execute(select(StaffSession.token_hash)).scalars().all()
    assert stored and cookie.value not in stored  # only the token's hash is kept

    assert client.post("/console/logout").status_code == 403  # no CSRF token
    out = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("porvoo_staff_session", cookie.value, domain="testserver.local")
    assert client.get("/console/api/queue",
                      cookies={"porvoo_staff_session": cookie.value}).status_code == 401


def form_token_of(client: TestClient) -> str:
    page = client.get("/console/login").text
    return page.split('name="form_token" value="')[1].split('"')[0]


def attempt(client: TestClient, username: str, password: str, token: str) -> Any:
    return client.post("/console/login", data={"username": username, "password": password,
                                               "form_token": token})


def test_failed_logins_back_off_per_address_without_locking_the_real_user(
        client: TestClient, database_url: str) -> None:
    create_staff(database_url, "ben")
    token = form_token_of(client)
    for _ in range(3):  # the first failures are free
        failed = attempt(client, "ben", "wrong", token)
        assert failed.status_code == 401 and "Kirjautuminen epäonnistui" in failed.text
    slowed = attempt(client, "ben", "correct horse battery", token)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    # The attacker's address waits; the real user, from another address, does not.
    throttle = client.app.state.login_throttle
    assert throttle.wait_seconds("ben", "198.51.100.7") == 0
    throttle.succeeded("ben", "testclient")  # (as if the back-off had passed)
    login(client, "ben")


def test_unknown_over_the_ceiling_and_wrong_answer_alike(client: TestClient,
                                                         database_url: str,
                                                         monkeypatch: Any) -> None:
    create_staff(database_url, "olli")
    create_staff(database_url, "pia")
    with Session(create_engine(database_url, future=True)) as session:
        user = session.execute(select(StaffUser).where(StaffUser.username == "pia")).scalar_one()
        user.locked_until = utcnow() + timedelta(minutes=10)  # over the account-wide ceiling
        session.commit()
    checked: list = []
    real_check = auth.password_matches
    monkeypatch.setattr(auth, "password_matches",
                        lambda h, p: checked.append(h) or real_check(h, p))
    token = form_token_of(client)
    answers = [attempt(client, name, password, token) for name, password in (
        ("nobody", "whatever"), ("pia", "correct horse battery"), ("olli", "wrong"))]
    assert {a.status_code for a in answers} == {401}
    bodies = {re.sub(r'name="form_token" value="[^"]+"', "", a.text) for a in answers}
    assert len(bodies) == 1  # the same page for all three
    assert len(checked) == 3  # every attempt costs one argon2 check: no timing difference


def test_the_account_wide_ceiling_needs_many_failures(database_url: str, rasa_stack: Any
                                                      ) -> None:
    settings = make_settings(database_url, rasa_stack, console_max_failed_logins=4)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        create_staff(database_url, "ville")
        token = form_token_of(client)
        for _ in range(4):  # as if from four addresses: each pair's back-off is fresh
            client.app.state.login_throttle.succeeded("ville", "testclient")
            assert attempt(client, "ville", "wrong", token).status_code == 401
        client.app.state.login_throttle.succeeded("ville", "testclient")
        assert attempt(client, "ville", "correct horse battery", token).status_code == 401
    with Session(create_engine(database_url, future=True)) as session:
        user = session.execute(select(StaffUser).where(StaffUser.username == "ville")
                               ).scalar_one()
        assert user.locked_until is not None and user.locked_until > utcnow()


def test_login_refuses_a_forged_form_and_foreign_redirects(client: TestClient,
                                                           database_url: str) -> None:
    create_staff(database_url, "cecilia")
    forged = client.post("/console/login", data={
        "username": "cecilia", "password": "correct horse battery", "form_token": "x"})
    assert forged.status_code == 401
    page = client.get("/console/login").text
    token = page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post("/console/login", data={
        "username": "cecilia", "password": "correct horse battery", "form_token": token,
        "next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/console/queue"


def test_a_handoff_from_claim_to_rating(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna")
    csrf = login(client, "anna")
    conversation, item = ask_for_person(client, "sv")

    queue = client.get("/console/api/queue").json()["items"]
    assert [i["id"] for i in queue] == [item]
    assert queue[0]["language"] == "sv" and queue[0]["channel"] == "webchat"
    assert queue[0]["service_level"]["state"] in ("ok", "warning")
    assert client.post(f"/console/api/items/{item}/messages", json={"text": "hej"},
                       headers={"X-CSRF-Token": csrf}).status_code == 409  # not claimed

    claimed = post(client, csrf, f"/console/api/items/{item}/claim", {})
    assert claimed["status"] == "claimed" and claimed["assignee"] == "anna"
    assert "jag vill prata med en människa" in [m["text"] for m in claimed["messages"]]
    post(client, csrf, f"/console/api/items/{item}/messages", {"text": "Hej, hur kan jag hjälpa?"})
    post(client, csrf, f"/console/api/items/{item}/notes", {"text": "intern anteckning"})

    say(client, conversation, "Jag har en fråga om dagvård")  # goes to staff, not the bot
    seen = client.get(f"/api/webchat/conversations/{conversation}/messages").json()["messages"]
    texts = [m["text"] for m in seen]
    assert "Hej, hur kan jag hjälpa?" in texts
    assert "intern anteckning" not in texts  # notes never reach the resident
    detail = client.get(f"/console/api/items/{item}").json()
    assert detail["status"] == "answered"
    assert detail["messages"][-1]["text"] == "Jag har en fråga om dagvård"
    assert detail["notes"][0]["text"] == "intern anteckning"

    closed = post(client, csrf, f"/console/api/items/{item}/close", {"resolution": "answered"})
    assert closed["status"] == "closed"
    prompt = client.get(f"/api/webchat/conversations/{conversation}/messages").json()
    assert prompt["messages"][-1]["text"] == knowledge().line("rating_prompt", "sv")
    say(client, conversation, "5", payload=prompt["messages"][-1]["buttons"][4]["payload"])
    with Session(create_engine(database_url, future=True)) as session:
        handoff = session.get(Handoff, item)
        assert handoff.resolution == "answered"
        assert handoff.first_response_at is not None and handoff.closed_at is not None
        assert session.execute(select(Rating.rating)).scalars().all() == [5]


def test_two_staff_claim_the_same_item_one_wins(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna")
    create_staff(database_url, "ben")
    _, item = ask_for_person(client)
    ben = TestClient(client.app, base_url="https://testserver")
    ben_csrf = login(ben, "ben")
    anna_csrf = login(client, "anna")
    assert client.post(f"/console/api/items/{item}/claim",
                       headers={"X-CSRF-Token": anna_csrf}).status_code == 200
    second = ben.post(f"/console/api/items/{item}/claim", headers={"X-CSRF-Token": ben_csrf})
    assert second.status_code == 409
    reply = ben.post(f"/console/api/items/{item}/messages", json={"text": "minä"},
                     headers={"X-CSRF-Token": ben_csrf})
    assert reply.status_code == 409  # only the holder answers


def test_staff_see_only_their_departments(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "dora", departments=("technical",))
    _, item = ask_for_person(client)  # goes to kompassi
    csrf = login(client, "dora")
    assert client.get("/console/api/queue").json()["items"] == []
    assert client.get(f"/console/api/items/{item}").status_code == 403
    assert client.post(f"/console/api/items/{item}/claim",
                       headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.get("/console/api/queue?department=kompassi").status_code == 403
    assert client.get("/console/api/items/999999").status_code == 404


def test_transfer_moves_the_item_and_tells_the_resident(client: TestClient,
                                                         database_url: str) -> None:
    create_staff(database_url, "anna", departments=("kompassi",))
    create_staff(database_url, "erik", departments=("technical",))
    conversation, item = ask_for_person(client, "en")
    csrf = login(client, "anna")
    post(client, csrf, f"/console/api/items/{item}/claim", {})
    bad = client.post(f"/console/api/items/{item}/transfer", json={"department": "nowhere"},
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422
    moved = post(client, csrf, f"/console/api/items/{item}/transfer",
                 {"department": "technical"})
    assert moved == {"id": item, "department": "technical", "status": "waiting"}
    last = client.get(f"/api/webchat/conversations/{conversation}/messages").json()["messages"]
    assert last[-1]["text"] == text("transferred", "en",
                                    department=department_name("technical", "en"))
    assert client.get("/console/api/queue").json()["items"] == []
    erik = TestClient(client.app, base_url="https://testserver")
    login(erik, "erik")
    assert [i["id"] for i in erik.get("/console/api/queue").json()["items"]] == [item]


def test_bad_console_input_is_refused(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna")
    _, item = ask_for_person(client)
    csrf = login(client, "anna")
    post(client, csrf, f"/console/api/items/{item}/claim", {})
    headers = {"X-CSRF-Token": csrf}
    assert client.post(f"/console/api/items/{item}/messages", json={"text": "  "},
                       headers=headers).status_code == 422
    assert client.post(f"/console/api/items/{item}/messages", json={"text": "x" * 4001},
                       headers=headers).status_code == 422
    assert client.post(f"/console/api/items/{item}/close", json={"resolution": "magic"},
                       headers=headers).status_code == 422
    assert client.post(f"/console/api/items/{item}/notes", content=b"{not json",
                       headers={**headers, "Content-Type": "application/json"}
                       ).status_code == 422
    assert client.post(f"/console/api/items/{item}/notes", json={"text": "ok"},
                       headers={"X-CSRF-Token": "wrong"}).status_code == 403


def test_console_pages_render_in_three_languages(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna", role="admin")
    _, item = ask_for_person(client)
    login(client, "anna")
    expected = {"fi": "Työjono", "sv": "Arbetskö", "en": "Work queue"}
    for lang, heading in expected.items():
        for path in ("/console/queue", f"/console/items/{item}", "/console/admin/users",
                     "/console/admin/departments"):
            page = client.get(f"{path}?lang={lang}")
            assert page.status_code == 200, (path, lang)
            assert f'<html lang="{lang}">' in page.text
            assert heading in page.text  # the navigation


def test_a_written_contact_shows_its_reference(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna", language="en")
    engine = create_engine(database_url, future=True)
    with Session(engine) as session, session.begin():
        conversation = contacts.create_conversation(session, channel="email", language="fi")
        contacts.add_message(session, conversation, sender="resident", text="Hei")
        handoff = contacts.open_handoff(session, conversation, department="kompassi",
                                        reason="email", topic=None, kind="message")
        session.add(WrittenContact(conversation_id=conversation.id, reference="PRV-2026-ABC234",
                                   channel="email", address="maija@example.fi",
                                   subject="Lainat"))
        item = handoff.id
    engine.dispose()
    login(client, "anna")
    detail = client.get(f"/console/api/items/{item}").json()
    assert detail["reference"] == "PRV-2026-ABC234"
    assert detail["written_contact"]["address"] == "maija@example.fi"
    page = client.get(f"/console/items/{item}").text
    assert "PRV-2026-ABC234" in page and "Reference" in page and "E-mail" in page


def test_password_checks_run_on_their_own_pool_and_a_full_queue_says_wait(
        client: TestClient, database_url: str, monkeypatch: Any) -> None:
    from servicedesk.console import login_guard

    create_staff(database_url, "wilma")
    threads: list = []
    real_check = auth.password_matches
    monkeypatch.setattr(auth, "password_matches", lambda h, p: threads.append(
        threading.current_thread().name) or real_check(h, p))
    login(client, "wilma")
    assert threads and all(t.startswith("password-hash") for t in threads)

    taken = 0
    while login_guard._hash_slots.acquire(blocking=False):
        taken += 1
    try:
        busy = attempt(client, "wilma", "correct horse battery", form_token_of(client))
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "2"
    finally:
        for _ in range(taken):
            login_guard._hash_slots.release()
