"""Staff log-in: argon2 password hashes, server-side sessions, CSRF tokens, roles.

The session cookie holds a random token (HTTP-only, Secure, SameSite=Strict); the
database keeps only its SHA-256, so a copy of the database opens no session. Repeated
failed log-ins lock the account for a while. Roles are ordered staff < manager < admin.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Optional, Tuple
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request, WebSocket
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicedesk.console.models import ROLES, StaffSession, StaffUser
from servicedesk.core.db import run_in_transaction
from servicedesk.core.types import utcnow

logger = logging.getLogger(__name__)

COOKIE_NAME = "porvoo_staff_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_hasher = PasswordHasher()
# Verified when the user does not exist, so that the answer takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StaffIdentity:
    """Who is logged in, as the console's routes see them."""

    user_id: int
    username: str
    display_name: str
    role: str
    departments: Tuple[str, ...]
    language: str
    csrf_token: str

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def sees_department(self, department: str) -> bool:
        return self.has_role("manager") or department in self.departments


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=10)


@dataclass(frozen=True)
class LoginCandidate:
    """What a log-in attempt checks the password against (read in one short transaction)."""

    user_id: Optional[int]
    password_hash: str
    usable: bool          # exists, active and not over the account-wide ceiling


def login_candidate(session: Session, username: str,
                    now: Optional[datetime] = None) -> LoginCandidate:
    """The account to check; a dummy hash for an unknown one, so that every attempt costs
    the same argon2 check and takes as long (unknown, locked, wrong: one answer)."""
    now = now or utcnow()
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
    if user is None:
        return LoginCandidate(None, _DUMMY_HASH, False)
    locked = user.locked_until is not None and user.locked_until > now
    return LoginCandidate(user.id, user.password_hash, bool(user.active) and not locked)


def record_failure(session: Session, user_id: int, policy: LoginPolicy,
                   now: Optional[datetime] = None) -> None:
    """Counts a failed attempt; the account-wide ceiling stops attempts for a while."""
    user = session.get(StaffUser, user_id)
    if user is not None:
        _count_failure(user, policy, now or utcnow())


def open_session(session: Session, user_id: int, password: str, policy: LoginPolicy,
                 now: Optional[datetime] = None) -> str:
    """A new session for a user whose password matched: the cookie's token."""
    now = now or utcnow()
    user = session.get(StaffUser, user_id)
    assert user is not None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_digest(token), user_id=user.id,
                             csrf_token=secrets.token_urlsafe(32), created_at=now,
                             expires_at=now + policy.session_lifetime))
    return token


def log_in(session: Session, username: str, password: str, policy: LoginPolicy,
           now: Optional[datetime] = None) -> Optional[str]:
    """All three steps in one transaction (commands and tests; the console's route runs
    the password check off the database's threads: pages.login)."""
    candidate = login_candidate(session, username, now)
    matched = password_matches(candidate.password_hash, password)
    if candidate.user_id is None:
        return None
    if not matched:
        record_failure(session, candidate.user_id, policy, now)
        return None
    if not candidate.usable:
        return None
    return open_session(session, candidate.user_id, password, policy, now)


def _count_failure(user: StaffUser, policy: LoginPolicy, now: datetime) -> None:
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.locked_until = now + policy.lockout
        user.failed_logins = 0
        logger.warning("staff account over its failed log-in ceiling: user_id=%s", user.id)


def log_out(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == token_digest(token)))


def identity_for_token(session: Session, token: str,
                       now: Optional[datetime] = None) -> Optional[StaffIdentity]:
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == token_digest(token),
               StaffSession.expires_at > (now or utcnow()), StaffUser.active.is_(True))
    ).first()
    if row is None:
        return None
    staff_session, user = row
    return StaffIdentity(user_id=user.id, username=user.username,
                         display_name=user.display_name or user.username, role=user.role,
                         departments=tuple(user.departments or ()), language=user.language,
                         csrf_token=staff_session.csrf_token)


async def current_identity(connection: Request | WebSocket) -> Optional[StaffIdentity]:
    """The logged-in staff member of a request or WebSocket, if any."""
    token = connection.cookies.get(COOKIE_NAME)
    if not token:
        return None
    return await run_in_transaction(connection.app.state.sessions,
                                    lambda session: identity_for_token(session, token))


def require_role(role: str) -> Callable[[Request], Awaitable[StaffIdentity]]:
    """A dependency for JSON routes: 401 without a session, 403 below `role`."""
    async def dependency(request: Request) -> StaffIdentity:
        identity = await current_identity(request)
        if identity is None:
            raise HTTPException(401, "Log in to the staff console first.")
        if not identity.has_role(role):
            raise HTTPException(403, "Your role does not allow this.")
        return identity
    return dependency


class LoginRequired(Exception):
    """Raised by page routes without a session; answered with a redirect to log-in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return f"/console/login?next={quote(next_path, safe='/')}"


def require_page_role(role: str) -> Callable[[Request], Awaitable[StaffIdentity]]:
    """A dependency for HTML pages: to the log-in page without a session, 403 below `role`."""
    async def dependency(request: Request) -> StaffIdentity:
        identity = await current_identity(request)
        if identity is None:
            raise LoginRequired(request.url.path)
        if not identity.has_role(role):
            raise HTTPException(403, "Your role does not allow this page.")
        return identity
    return dependency


async def verify_csrf(request: Request) -> None:
    """State-changing requests carry the session's CSRF token (header or form field)."""
    if request.method not in UNSAFE_METHODS:
        return
    identity = await current_identity(request)
    if identity is None:
        raise HTTPException(401, "Log in to the staff console first.")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not secrets.compare_digest(sent, identity.csrf_token):
        raise HTTPException(403, "Missing or wrong CSRF token; reload the page.")
