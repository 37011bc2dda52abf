"""The public web chat API that the website widget uses."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Dict, List, Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request, WebSocket
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, validator

from servicedesk.contacts import ConversationNotFound
from servicedesk.core.api_docs import error_responses
from servicedesk.core.settings import Settings
from servicedesk.core.types import storable_text
from servicedesk.events import conversation_topic, stream_to_socket
from servicedesk.gateway import Gateway, TurnResult
from servicedesk.ratelimit import RateLimiter

router = APIRouter(prefix="/api/webchat", tags=["web chat"],
                   responses=error_responses(404, 429))
MAX_PAYLOAD_CHARS = 200


# Live sockets one conversation may hold open at once (tabs of one resident).
MAX_SOCKETS_PER_CONVERSATION = 5

class NewConversation(BaseModel):
    language: Optional[Literal["fi", "sv", "en"]] = None


class ResidentMessage(BaseModel):
    text: str = Field(..., description="The resident's text (at most the documented limit, "
                                       "2000 characters by default).")
    payload: Optional[str] = Field(None, max_length=MAX_PAYLOAD_CHARS, regex=r"^/",
                                   description="The payload of a clicked button.")

    _storable_text = validator("text", "payload", allow_reuse=True)(storable_text)


class Button(BaseModel):
    title: str
    payload: str


class MessageOut(BaseModel):
    id: str
    sender: Literal["resident", "bot", "staff", "system"]
    text: str
    buttons: List[Button]
    created_at: str


class HandoffOut(BaseModel):
    status: str
    department: str
    department_name: str
    queue_position: Optional[int]
    estimated_wait_minutes: Optional[int]


class ConversationState(BaseModel):
    conversation_id: str
    channel: str
    language: str
    mode: Literal["bot", "human"]
    handoff: Optional[HandoffOut]


class ConversationCreated(ConversationState):
    messages: List[MessageOut]
    cursor: str


class TurnOut(BaseModel):
    messages: List[MessageOut]
    conversation: ConversationState
    cursor: str


class MessagesOut(BaseModel):
    messages: List[MessageOut]
    cursor: str


def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


def enforce(limiter: RateLimiter, key: str) -> None:
    wait = limiter.hit(key)
    if wait:
        raise RateLimited(wait)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="Unknown conversation.")


@router.post("/conversations", status_code=201, response_model=ConversationCreated)
async def start_conversation(request: Request, gateway: GatewayDep, settings: SettingsDep,
                             body: Optional[NewConversation] = None) -> Dict[str, Any]:
    """Start a conversation; the answer carries the greeting."""
    enforce(request.app.state.limits["conversations_per_address"], client_address(request))
    language = (body.language if body else None) or settings.default_language
    result = await gateway.open_conversation(channel="webchat", language=language)
    return {**result.state, "messages": result.messages, "cursor": result.cursor}


@router.post("/conversations/{conversation_id}/messages", response_model=TurnOut,
             responses={404: {"description": "Unknown conversation"},
                        413: {"description": "Message over the length limit"},
                        429: {"description": "Too many messages; see Retry-After"}})
async def send_message(conversation_id: str, body: ResidentMessage, request: Request,
                       gateway: GatewayDep, settings: SettingsDep) -> JSONResponse:
    """Send a resident message; the answer carries the replies to it."""
    if len(body.text) > settings.max_message_chars:
        raise HTTPException(
            status_code=413,
            detail=f"The message is longer than the limit of {settings.max_message_chars} "
                   "characters.")
    limits = request.app.state.limits
    enforce(limits["messages_per_conversation"], conversation_id)
    enforce(limits["messages_per_address"], client_address(request))
    try:
        result = await gateway.receive(conversation_id=conversation_id, text=body.text,
                                       payload=body.payload)
    except ConversationNotFound:
        raise not_found() from None
    # Already in TurnOut's shape: a ready response skips re-validating it on every turn.
    return JSONResponse(turn_out(result))


def turn_out(result: TurnResult) -> Dict[str, Any]:
    return {"messages": result.messages, "conversation": result.state, "cursor": result.cursor}


@router.get("/conversations/{conversation_id}", response_model=ConversationState,
            responses={404: {"description": "Unknown conversation"}})
async def get_conversation(conversation_id: str, gateway: GatewayDep) -> Dict[str, Any]:
    """The conversation's state: mode, language and handoff."""
    try:
        return await gateway.state(conversation_id)
    except ConversationNotFound:
        raise not_found() from None


@router.get("/conversations/{conversation_id}/messages", response_model=MessagesOut,
            responses={404: {"description": "Unknown conversation"}})
async def list_messages(conversation_id: str, gateway: GatewayDep,
                        after: Annotated[str, Query(regex=r"^\d{0,18}$")] = ""
                        ) -> Dict[str, Any]:
    """Messages after the cursor (polling fallback of the WebSocket)."""
    try:
        result = await gateway.history(conversation_id, int(after or 0))
    except ConversationNotFound:
        raise not_found() from None
    return {"messages": result.messages, "cursor": result.cursor}


@router.websocket("/conversations/{conversation_id}/ws")
async def live_messages(websocket: WebSocket, conversation_id: str) -> None:
    """Live push of new messages and state changes of one conversation."""
    gateway: Gateway = websocket.app.state.gateway
    try:
        await gateway.state(conversation_id)
    except ConversationNotFound:
        await websocket.close(code=4404)
        return
    open_sockets: Counter[str] = websocket.app.state.webchat_sockets
    if open_sockets[conversation_id] >= MAX_SOCKETS_PER_CONVERSATION:
        await websocket.close(code=4429)  # too many tabs (or a flood) on one conversation
        return
    open_sockets[conversation_id] += 1
    try:
        await websocket.accept()
        await stream_to_socket(websocket, gateway.bus, conversation_topic(conversation_id))
    finally:
        open_sockets[conversation_id] -= 1
        if open_sockets[conversation_id] <= 0:
            del open_sockets[conversation_id]


async def rate_limited_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return JSONResponse(status_code=429, headers={"Retry-After": str(exc.retry_after)},
                        content={"detail": f"Too many messages. Try again in "
                                           f"{exc.retry_after} s."})
