"""Every console and management route refuses anyone without the right role.

The test walks the application's routes, so a route added later is checked too.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Tuple

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.servicedesk.conftest import create_staff, login

PROTECTED_PREFIXES = ("/console", "/api/stats")
PUBLIC = ("/console/login", "/console/static")
PARAMETERS = {"handoff_id": "1", "user_id": "1", "department": "kompassi"}


def required_role(path: str) -> str:
    if path.startswith("/console/admin"):
        return "admin"
    if path.startswith(("/console/stats", "/api/stats")):
        return "manager"
    return "staff"


def concrete(path: str) -> str:
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: PARAMETERS.get(m.group(1), "x"), path)


def protected_routes(client: TestClient) -> Iterator[Tuple[str, str, str]]:
    """(method, concrete path, required role) of every protected HTTP route."""
    for route in client.app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(PROTECTED_PREFIXES):
            continue
        if route.path.startswith(PUBLIC) or route.path == "/console" or "/static" in route.path:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            yield method, concrete(route.path), required_role(route.path)


def socket_paths(client: TestClient) -> List[str]:
    return [concrete(r.path) for r in client.app.routes
            if isinstance(r, APIWebSocketRoute) and r.path.startswith(PROTECTED_PREFIXES)]


def refused_anonymously(response_status: int, location: str) -> bool:
    return response_status == 401 or (response_status == 303
                                       and location.startswith("/console/login"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_refuses_anonymous_users(client: TestClient) -> None:
    routes = list(protected_routes(client))
    assert len(routes) >= 15  # the walk really finds the console's routes
    for method, path, _ in routes:
        response = client.request(method, path, follow_redirects=False)
        assert refused_anonymously(response.status_code,
                                   response.headers.get("location", "")), (method, path)
    for path in socket_paths(client):
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(path) as ws:
            ws.receive_json()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_refuses_roles_below_its_own(client: TestClient, database_url: str) -> None:
    ranks = ("staff", "manager", "admin")
    for role in ("staff", "manager"):
        create_staff(database_url, role, role=role)
        user = TestClient(client.app, base_url="https://testserver")
        csrf = login(user, role)
        checked = 0
        for method, path, needed in protected_routes(client):
            if path == "/console/logout":  # every role may log out; it would end the walk
                continue
            response = user.request(method, path, headers={"X-CSRF-Token": csrf},
                                    follow_redirects=False)
            if ranks.index(role) < ranks.index(needed):
                assert response.status_code == 403, (role, method, path, response.text)
                checked += 1
            else:
                assert response.status_code not in (401, 403), (role, method, path)
        assert checked > 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_state_changing_routes_need_the_csrf_token(client: TestClient,
                                                   database_url: str) -> None:
    create_staff(database_url, "root", role="admin")
    login(client, "root")
    for method, path, _ in protected_routes(client):
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 403, (method, path)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_console_sockets_refuse_other_origins(client: TestClient, database_url: str) -> None:
    create_staff(database_url, "anna")
    login(client, "anna")
    # The test client's sockets do not send Secure cookies by themselves.
    cookie = f"porvoo_staff_session={client.cookies['porvoo_staff_session']}"
    with client.websocket_connect("/console/api/ws/queue",
                                  headers={"origin": "https://testserver", "cookie": cookie}
                                  ) as ws:
        ws.send_text("bye")  # same origin: accepted
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/console/api/ws/queue",
            headers={"origin": "https://evil.example", "cookie": cookie}) as ws:
        ws.receive_json()
    assert refused.value.code == 4403


def handed_off(client: TestClient, database_url: str) -> int:
    """A resident's handoff to Kompassi; its id."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from servicedesk.models import Handoff
    from tests.servicedesk.conftest import say, start

    conversation = start(client, "fi")["conversation_id"]
    say(client, conversation, "haluan puhua ihmisen kanssa")
    engine = create_engine(database_url, future=True)
    with Session(engine) as session:
        found = session.execute(select(Handoff.id).where(
            Handoff.conversation_id == conversation)).scalar_one()
    engine.dispose()
    return int(found)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_item_socket_closes_when_the_item_moves_out_of_sight(client: TestClient,
                                                                database_url: str) -> None:
    create_staff(database_url, "anna", departments=("kompassi",))
    csrf = login(client, "anna")
    handoff_id = handed_off(client, database_url)
    cookie = f"porvoo_staff_session={client.cookies['porvoo_staff_session']}"
    with client.websocket_connect(f"/console/api/ws/items/{handoff_id}",
                                  headers={"origin": "https://testserver", "cookie": cookie}
                                  ) as ws:
        moved = client.post(f"/console/api/items/{handoff_id}/transfer",
                            json={"department": "technical"}, headers={"X-CSRF-Token": csrf})
        assert moved.status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                event = ws.receive_json()
                assert "message" not in event or event.get("type") == "ping", event
        assert closed.value.code == 4403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_password_reset_ends_the_users_sessions(client: TestClient, database_url: str) -> None:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from servicedesk.console.models import StaffUser
    from servicedesk.console.users import update_user

    create_staff(database_url, "bea")
    login(client, "bea")
    assert client.get("/console/api/queue").status_code == 200
    engine = create_engine(database_url, future=True)
    with Session(engine) as session, session.begin():
        user = session.execute(select(StaffUser).where(StaffUser.username == "bea")).scalar_one()
        update_user(session, user, role=user.role, departments=user.departments,
                    language=user.language, active=True, display_name="Bea",
                    new_password="a brand new passphrase")
    engine.dispose()
    assert client.get("/console/api/queue").status_code == 401
