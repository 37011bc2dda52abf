"""The console's JSON API and WebSockets: the queue, one item, and the staff actions.

Every route needs a staff session; state-changing ones also the CSRF token. Staff act
only on their own departments' items (managers and admins on all).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket
from pydantic import BaseModel, Field, constr, validator
from sqlalchemy.orm import Session

from servicedesk.console import work
from servicedesk.console.auth import StaffIdentity, current_identity, require_role, verify_csrf
from servicedesk.console.models import HandoffNote
from servicedesk.core.api_docs import RowId, error_responses
from servicedesk.core.db import run_in_transaction
from servicedesk.core.types import storable_text
from servicedesk.events import conversation_topic, department_topic, stream_to_socket
from servicedesk.gateway import DEPARTMENTS, Gateway
from servicedesk.models import Handoff

router = APIRouter(prefix="/console/api", tags=["staff console"],
                   responses=error_responses(401, 403, 404, 409))
staff = require_role("staff")
T = TypeVar("T")
MAX_TEXT = 4000


class TextIn(BaseModel):
    text: constr(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)  # type: ignore[valid-type]

    _storable_text = validator("text", allow_reuse=True)(storable_text)


class TransferIn(BaseModel):
    department: str = Field(..., description="A department id of the topic catalogue")


class CloseIn(BaseModel):
    resolution: str = Field(..., description=f"One of {', '.join(work.RESOLUTIONS)}")


async def in_transaction(request: Request, job: Callable[[Session], T]) -> T:
    return await run_in_transaction(request.app.state.sessions, job)


def visible_departments(identity: StaffIdentity, department: Optional[str]) -> List[str]:
    allowed = [d for d in DEPARTMENTS if identity.sees_department(d)]
    if department is None:
        return allowed
    if department not in allowed:
        raise HTTPException(403, "Not one of your departments.")
    return [department]


async def load_item(request: Request, identity: StaffIdentity, handoff_id: int) -> Dict[str, Any]:
    """The item with its transcript; 404 when unknown, 403 outside the user's departments."""
    def read(session: Session) -> Optional[Dict[str, Any]]:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        if not identity.sees_department(handoff.department):
            raise HTTPException(403, "Not one of your departments.")
        return work.item_detail(session, handoff, request.app.state.gateway.clock())
    item = await in_transaction(request, read)
    if item is None:
        raise HTTPException(404, "No such work item.")
    return item


async def open_items(request: Request, departments: List[str]) -> List[Dict[str, Any]]:
    """The departments' open items, oldest first, on the gateway's clock."""
    now = gateway_of(request).clock()
    return await in_transaction(request, lambda s: work.open_items(s, departments, now))


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


@router.get("/queue")
async def queue(request: Request, department: Optional[str] = None,
                identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """Open work items of the user's departments (or one of them), oldest first."""
    departments = visible_departments(identity, department)
    return {"departments": departments, "items": await open_items(request, departments)}


@router.get("/items/{handoff_id}")
async def item(request: Request, handoff_id: RowId,
               identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    return await load_item(request, identity, handoff_id)


@router.post("/items/{handoff_id}/claim", dependencies=[Depends(verify_csrf)])
async def claim(request: Request, handoff_id: RowId,
                identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """Take a waiting item. 409 when someone else was first."""
    await load_item(request, identity, handoff_id)
    if not await gateway_of(request).claim(handoff_id=handoff_id, assignee=identity.username):
        raise HTTPException(409, "The item is no longer waiting: someone else claimed it.")
    return await load_item(request, identity, handoff_id)


def require_holder(item: Dict[str, Any], identity: StaffIdentity) -> None:
    if item["status"] not in ("claimed", "answered"):
        raise HTTPException(409, "Claim the item first.")
    if item["assignee"] != identity.username:
        raise HTTPException(409, "Another staff member holds this item.")


@router.post("/items/{handoff_id}/messages", dependencies=[Depends(verify_csrf)])
async def reply(request: Request, handoff_id: RowId, body: TextIn,
                identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """A reply to the resident, delivered live on their channel."""
    current = await load_item(request, identity, handoff_id)
    require_holder(current, identity)
    message = await gateway_of(request).post_staff_message(
        conversation_id=current["conversation_id"], text=body.text)
    return {"message": message}


@router.post("/items/{handoff_id}/notes", status_code=201,
             dependencies=[Depends(verify_csrf)])
async def add_note(request: Request, handoff_id: RowId, body: TextIn,
                   identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """An internal note: staff see it, the resident never does."""
    await load_item(request, identity, handoff_id)

    def store(session: Session) -> Dict[str, Any]:
        note = HandoffNote(handoff_id=handoff_id, author=identity.username, text=body.text)
        session.add(note)
        session.flush()
        return {"id": note.id, "author": note.author, "text": note.text,
                "created_at": note.created_at.isoformat()}
    note = await in_transaction(request, store)
    request.app.state.bus.publish(f"item:{handoff_id}", {"type": "note"})
    return note


@router.post("/items/{handoff_id}/transfer", dependencies=[Depends(verify_csrf)])
async def transfer(request: Request, handoff_id: RowId, body: TransferIn,
                   identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """Send the item to another department's queue, waiting again."""
    current = await load_item(request, identity, handoff_id)
    if body.department not in DEPARTMENTS:
        raise HTTPException(422, "Unknown department.")
    if current["status"] != "waiting":
        require_holder(current, identity)
    if not await gateway_of(request).transfer(handoff_id=handoff_id,
                                              department=body.department):
        raise HTTPException(409, "The item is closed.")
    return {"id": handoff_id, "department": body.department, "status": "waiting"}


@router.post("/items/{handoff_id}/close", dependencies=[Depends(verify_csrf)])
async def close(request: Request, handoff_id: RowId, body: CloseIn,
                identity: StaffIdentity = Depends(staff)) -> Dict[str, Any]:
    """Close with a resolution; the conversation returns to the bot, which asks for a rating."""
    if body.resolution not in work.RESOLUTIONS:
        raise HTTPException(422, f"resolution must be one of {', '.join(work.RESOLUTIONS)}")
    current = await load_item(request, identity, handoff_id)
    require_holder(current, identity)
    if not await gateway_of(request).close_by_staff(
            handoff_id=handoff_id, assignee=identity.username, resolution=body.resolution):
        raise HTTPException(409, "The item could not be closed.")
    return {"id": handoff_id, "status": "closed", "resolution": body.resolution}


async def _staff_socket(websocket: WebSocket) -> Optional[StaffIdentity]:
    """The logged-in user of a same-origin socket (browsers send cookies cross-site too)."""
    origin = websocket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("host"):
        await websocket.close(code=4403)
        return None
    identity = await current_identity(websocket)
    if identity is None:
        await websocket.close(code=4401)
    return identity


@router.websocket("/ws/queue")
async def queue_socket(websocket: WebSocket, department: Optional[str] = None) -> None:
    """Queue changes of the user's departments ({"type": "queue_changed"})."""
    identity = await _staff_socket(websocket)
    if identity is None:
        return
    try:
        departments = visible_departments(identity, department)
    except HTTPException:
        await websocket.close(code=4403)
        return
    await websocket.accept()

    async def still_logged_in() -> bool:
        return await current_identity(websocket) is not None

    await stream_to_socket(websocket, websocket.app.state.bus,
                           *(department_topic(d) for d in departments), allowed=still_logged_in)


@router.websocket("/ws/items/{handoff_id}")
async def item_socket(websocket: WebSocket, handoff_id: RowId) -> None:
    """Live events of one item's conversation: new messages both ways, notes, state."""
    identity = await _staff_socket(websocket)
    if identity is None:
        return
    handoff = await run_in_transaction(websocket.app.state.sessions,
                                       lambda session: session.get(Handoff, handoff_id))
    if handoff is None or not identity.sees_department(handoff.department):
        await websocket.close(code=4404)
        return
    await websocket.accept()
    conversation_id = handoff.conversation_id

    async def still_sees_the_item() -> bool:
        now = await current_identity(websocket)
        current = await run_in_transaction(websocket.app.state.sessions,
                                           lambda session: session.get(Handoff, handoff_id))
        return (now is not None and current is not None
                and now.sees_department(current.department))

    await stream_to_socket(websocket, websocket.app.state.bus, conversation_topic(conversation_id),
                           f"staff:{conversation_id}", f"item:{handoff_id}",
                           allowed=still_sees_the_item)
