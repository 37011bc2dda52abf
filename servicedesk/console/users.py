"""Staff accounts: creation, edits and the checks on names, roles and passwords."""

from __future__ import annotations

import re
from typing import Iterable, List, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servicedesk.console.auth import hash_password
from servicedesk.console.models import ROLES, StaffSession, StaffUser
from servicedesk.texts import LANGUAGES, catalogue_departments

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD_LENGTH = 12


class InvalidUser(ValueError):
    """A field of a user is not acceptable; `field` names it, `key` the console text."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser("password", "error_password")


def _clean_departments(departments: Iterable[str]) -> List[str]:
    known = catalogue_departments()
    return [d for d in known if d in set(departments)]


def create_user(session: Session, *, username: str, password: str, role: str = "staff",
                departments: Iterable[str] = (), language: str = "fi",
                display_name: str = "") -> StaffUser:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidUser("username", "error_username")
    if session.execute(select(StaffUser.id).where(StaffUser.username == username)).first():
        raise InvalidUser("username", "error_username_taken")
    _check_password(password)
    if role not in ROLES or language not in LANGUAGES:
        raise ValueError("unknown role or language")
    user = StaffUser(username=username, password_hash=hash_password(password), role=role,
                     departments=_clean_departments(departments), language=language,
                     display_name=display_name.strip()[:128], active=True, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user: StaffUser, *, role: str, departments: Iterable[str],
                language: str, active: bool, display_name: str,
                new_password: Optional[str] = None, unlock: bool = False) -> None:
    if role not in ROLES or language not in LANGUAGES:
        raise ValueError("unknown role or language")
    if (role != "admin" or not active) and _is_last_admin(session, user):
        raise InvalidUser("role", "error_last_admin")
    if new_password or not active:
        # A new password or a deactivation ends every session of the user (and their
        # open console sockets, which check their session at each event).
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    if new_password:
        _check_password(new_password)
        user.password_hash = hash_password(new_password)
    user.role = role
    user.departments = _clean_departments(departments)
    user.language = language
    user.active = active
    user.display_name = display_name.strip()[:128]
    if unlock:
        user.locked_until = None
        user.failed_logins = 0


def _is_last_admin(session: Session, user: StaffUser) -> bool:
    """True when no other active admin exists: the console would lose its administration."""
    if user.role != "admin" or not user.active:
        return False
    others = session.execute(select(func.count(StaffUser.id)).where(
        StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != user.id))
    return int(others.scalar_one()) == 0


def all_users(session: Session) -> List[StaffUser]:
    return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())
