"""Administration: users, service hours and targets; the create-admin command; texts."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from servicedesk import retention
from servicedesk.console.i18n import console_texts
from servicedesk.console.models import HandoffNote, StaffSession, StaffUser
from servicedesk.console.work import canned_replies
from servicedesk.core.types import utcnow
from servicedesk.models import Handoff
from servicedesk.queue import service_hours
from servicedesk.queue.service_hours import HELSINKI
from servicedesk.retention import anonymise_expired
from servicedesk.texts import LANGUAGES
from tests.servicedesk.conftest import create_staff, login, say, start
from tests.support.stack import ROOT


def form(client: TestClient, path: str, csrf: str, data: dict) -> object:
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_admin_creates_and_edits_users(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "root", role="admin")
    csrf = login(client, "root")
    created = form(client, "/console/admin/users", csrf, {
        "username": "Maija.M", "password": "long enough secret", "display_name": "Maija",
        "role": "staff", "language": "sv", "departments": ["family", "social"]})
    assert created.status_code == 303
    short = form(client, "/console/admin/users", csrf, {
        "username": "pekka", "password": "short", "role": "staff", "language": "fi"})
    assert short.status_code == 422
    assert 'aria-invalid="true"' in short.text and "vähintään 12 merkkiä" in short.text
    taken = form(client, "/console/admin/users", csrf, {
        "username": "maija.m", "password": "long enough secret", "role": "staff",
        "language": "fi"})
    assert taken.status_code == 422 and "jo käytössä" in taken.text

    with Session(create_engine(database_url, future=True)) as session:
        maija = session.execute(
            select(StaffUser).where(StaffUser.username == "maija.m")).scalar_one()
        assert (maija.role, maija.departments, maija.language) == ("staff", ["family",
                                                                             "social"], "sv")
        assert maija.password_hash.startswith("$argon2")
    edited = form(client, f"/console/admin/users/{maija.id}", csrf, {
        "display_name": "Maija M", "role": "manager", "language": "sv",
        "departments": ["family"], "active": "true"})
    assert edited.status_code == 303
    manager = TestClient(client.app, base_url="https://testserver")
    login(manager, "maija.m", "long enough secret")
    assert manager.get("/console/queue").status_code == 200
    assert manager.get("/console/admin/users").status_code == 403
    assert form(client, "/console/admin/users/99999", csrf, {"role": "staff"}).status_code == 404
    with Session(create_engine(database_url, future=True)) as session:
        root_id = session.execute(
            select(StaffUser.id).where(StaffUser.username == "root")).scalar_one()
    demoted = form(client, f"/console/admin/users/{root_id}", csrf, {
        "role": "staff", "language": "fi", "active": "true"})
    assert demoted.status_code == 422 and "Viimeistä pääkäyttäjää" in demoted.text


def test_admin_edits_service_hours_and_targets(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "root", role="admin")
    csrf = login(client, "root")
    fields = {f"hours_{day}": "09:00-12:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    fields.update({"queue_limit": "3", **{f"target_{kind}_{p}": str(10 * p)
                                          for kind in ("live_chat", "message")
                                          for p in (1, 2, 3)}})
    try:
        bad = form(client, "/console/admin/departments/culture", csrf,
                   {**fields, "hours_mon": "16:00-08:00"})
        assert bad.status_code == 422 and 'href="#culture-hours_mon"' in bad.text
        saved = form(client, "/console/admin/departments/culture", csrf, fields)
        assert saved.status_code == 303
        assert service_hours.queue_limit("culture") == 3
        assert service_hours.target("culture", "live_chat", 2) == timedelta(minutes=20)
        wednesday_afternoon = datetime(2026, 11, 25, 13, 0, tzinfo=HELSINKI)
        assert not service_hours.department_hours("culture").is_open(wednesday_afternoon)
        assert service_hours.department_hours("kompassi").is_open(wednesday_afternoon)
        page = client.get("/console/admin/departments")
        assert 'value="09:00-12:00"' in page.text
        assert form(client, "/console/admin/departments/nowhere", csrf,
                    fields).status_code == 404
    finally:
        service_hours.apply_overrides({})


def run_create_admin(database_url: str, username: str, password: str
                     ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "servicedesk.console", "create-admin", "--username", username,
         "--password-stdin"],
        input=f"{password}\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={"DATABASE_URL": database_url, "ENVIRONMENT": "test", "PATH": "/usr/bin",
             "PYTHONPATH": str(ROOT)}, check=False)


def test_create_admin_command(database_url: str) -> None:
    assert run_create_admin(database_url, "root", "short").returncode == 2
    ok = run_create_admin(database_url, "Root", "a sufficiently long password")
    assert ok.returncode == 0, ok.stderr
    assert "a sufficiently long password" not in ok.stdout + ok.stderr
    assert run_create_admin(database_url, "root", "another long password").returncode == 2
    with Session(create_engine(database_url, future=True)) as session:
        user = session.execute(select(StaffUser)).scalar_one()
        assert (user.username, user.role) == ("root", "admin")


def test_console_texts_and_canned_replies_exist_in_three_languages() -> None:
    for key, entry in console_texts().items():
        assert isinstance(key, str) and set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key
    replies = canned_replies()
    assert len(replies) >= 5
    for reply in replies:
        assert all(reply[lang].strip() for lang in LANGUAGES), reply["id"]


def test_every_console_text_a_template_uses_exists() -> None:
    used: set = set()
    for template in (ROOT / "servicedesk/console/templates").glob("*.html"):
        used |= set(re.findall(r'\bt\(\s*["\']([a-z_]+)["\']',
                               template.read_text(encoding="utf-8")))
    known = set(console_texts())
    prefixes = {key for key in used if key.endswith("_")}  # t("status_" ~ item.status)
    assert used and not (used - prefixes) - known
    assert all(any(k.startswith(prefix) for k in known) for prefix in prefixes)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_left_message_keeps_the_contact_details_until_retention(
        client: TestClient, database_url: str) -> None:
    gateway = client.app.state.gateway
    gateway.clock = lambda: datetime(2026, 11, 28, 12, 0, tzinfo=HELSINKI)  # a Saturday
    conversation = start(client, "fi")["conversation_id"]
    say(client, conversation, "haluan puhua ihmisen kanssa")
    say(client, conversation, "Soittakaa minulle numeroon 040 123 4567, kiitos")
    say(client, conversation, "tai maija@example.fi")
    engine = create_engine(database_url, future=True)
    with Session(engine) as session, session.begin():
        handoff = session.execute(select(Handoff)).scalar_one()
        assert handoff.kind == "message"
        assert handoff.contact_details == "040 123 4567"  # the first one given
        session.add(HandoffNote(handoff_id=handoff.id, author="anna", text="soitettu"))
    with Session(engine) as session, session.begin():
        anonymise_expired(session, older_than=datetime(2100, 1, 1, tzinfo=HELSINKI))
    with Session(engine) as session:
        assert session.execute(select(Handoff.contact_details)).scalar_one() is None
        assert session.execute(select(HandoffNote.text)).scalar_one() == ""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_retention_job_deletes_expired_staff_sessions(client: TestClient,
                                                          database_url: str) -> None:
    create_staff(database_url, "anna")
    login(client, "anna")
    later = utcnow() + timedelta(hours=11)  # past the 10-hour session lifetime
    retention.run_once(client.app.state.sessions, client.app.state.settings, now=later)
    with Session(create_engine(database_url, future=True)) as session:
        assert session.execute(select(StaffSession)).first() is None
    assert client.get("/console/api/queue").status_code == 401
