"""The console's HTML pages: log-in and log-out, the queue, one item, and administration."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk import catalogue
from servicedesk.console import auth, work
from servicedesk.console.api import in_transaction, load_item, open_items, visible_departments
from servicedesk.console.auth import StaffIdentity, require_page_role, verify_csrf
from servicedesk.console.i18n import LANGUAGE_COOKIE, page_language, translator
from servicedesk.console.login_guard import (
    HashingBusy,
    LoginThrottle,
    off_the_loop,
    retry_after,
)
from servicedesk.console.models import ROLES, DepartmentSettings, StaffUser
from servicedesk.console.users import InvalidUser, all_users, create_user, update_user
from servicedesk.core.api_docs import RowId
from servicedesk.core.types import utcnow
from servicedesk.gateway import DEPARTMENTS
from servicedesk.queue import service_hours
from servicedesk.texts import LANGUAGES, department_name

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
# A busy password-hashing pool asks the browser to try again this much later.
BUSY_RETRY_SECONDS = 2

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN_FORM_MAX_AGE = 3600
HOURS_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def render(request: Request, template: str, identity: Optional[StaffIdentity],
           status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = page_language(request, identity.language if identity else None)
    response = TEMPLATES.TemplateResponse(
        request, template,
        {"identity": identity, "lang": lang, "t": translator(lang), "languages": LANGUAGES,
         "department_name": department_name, "topic_title": catalogue.topic_title, **context},
        status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="strict",
                            secure=True, httponly=True)
    return response


def _login_signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="console-login")


def _safe_next(path: Optional[str]) -> str:
    """Only paths inside the console: never an open redirect."""
    if path and path.startswith("/console/") and not path.startswith("//"):
        return path
    return "/console/queue"


@router.get("", response_class=HTMLResponse)
async def console_home() -> Response:
    return RedirectResponse("/console/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: Optional[str] = None,
                     failed: bool = False, wait: int = 0) -> HTMLResponse:
    form_token = _login_signer(request).dumps("login")
    status = 429 if wait else 401 if failed else 200
    page = render(request, "login.html", None, status_code=status,
                  next_path=_safe_next(next), form_token=form_token, failed=failed,
                  wait=wait)
    page.headers.update(retry_after(wait))
    return page


@router.post("/login")
async def login(request: Request, username: str = Form(...), password: str = Form(...),
                form_token: str = Form(...), next: str = Form("/console/queue")) -> Response:
    """Check the password; on success a session cookie, on failure the same page again."""
    settings = request.app.state.settings
    try:
        _login_signer(request).loads(form_token, max_age=LOGIN_FORM_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return await login_page(request, next, failed=True)
    policy = auth.LoginPolicy(max_failures=settings.console_max_failed_logins,
                              lockout=timedelta(minutes=settings.console_lockout_minutes),
                              session_lifetime=timedelta(hours=settings.console_session_hours))
    name = username.strip().lower()
    address = request.client.host if request.client else "unknown"
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait_seconds(name, address)
    if wait:
        return await login_page(request, next, failed=True, wait=wait)
    candidate = await in_transaction(request, lambda s: auth.login_candidate(s, name))
    try:
        matched = await off_the_loop(
            lambda: auth.password_matches(candidate.password_hash, password))
    except HashingBusy:
        return await login_page(request, next, failed=True, wait=BUSY_RETRY_SECONDS)
    user_id = candidate.user_id
    if not (matched and candidate.usable and user_id is not None):
        # Wrong name or password, over the ceiling or inactive: one answer for all.
        throttle.failed(name, address)
        if user_id is not None and not matched:
            await in_transaction(request, lambda s: auth.record_failure(s, user_id, policy))
        return await login_page(request, next, failed=True)
    throttle.succeeded(name, address)
    token = await in_transaction(
        request, lambda s: auth.open_session(s, user_id, password, policy))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(auth.COOKIE_NAME, token, httponly=True, secure=True, samesite="strict",
                        max_age=int(policy.session_lifetime.total_seconds()), path="/")
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
async def logout(request: Request) -> Response:
    token = request.cookies.get(auth.COOKIE_NAME)
    if token:
        await in_transaction(request, lambda s: auth.log_out(s, token))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/", secure=True, httponly=True,
                           samesite="strict")
    return response


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(request: Request, department: Optional[str] = None,
                     identity: StaffIdentity = Depends(require_page_role("staff"))
                     ) -> HTMLResponse:
    """Waiting and open items, oldest first, updated live (console.js)."""
    items = await open_items(request, visible_departments(identity, department))
    return render(request, "queue.html", identity, items=items,
                  departments=visible_departments(identity, None), department=department)


@router.get("/queue/table", response_class=HTMLResponse)
async def queue_table(request: Request, department: Optional[str] = None,
                      identity: StaffIdentity = Depends(require_page_role("staff"))
                      ) -> HTMLResponse:
    """The queue table alone: what the live page swaps in when the queue changes."""
    items = await open_items(request, visible_departments(identity, department))
    return render(request, "queue_table.html", identity, items=items)


@router.get("/items/{handoff_id}/transcript", response_class=HTMLResponse)
async def transcript_fragment(request: Request, handoff_id: RowId,
                              identity: StaffIdentity = Depends(require_page_role("staff"))
                              ) -> HTMLResponse:
    item = await load_item(request, identity, handoff_id)
    return render(request, "transcript.html", identity, item=item)


@router.get("/items/{handoff_id}", response_class=HTMLResponse)
async def item_page(request: Request, handoff_id: RowId,
                    identity: StaffIdentity = Depends(require_page_role("staff"))
                    ) -> HTMLResponse:
    item = await load_item(request, identity, handoff_id)
    return render(request, "item.html", identity, item=item, departments=DEPARTMENTS,
                  resolutions=work.RESOLUTIONS, canned=work.canned_replies())


# --- Administration (admin role) -------------------------------------------------------

admin = require_page_role("admin")


def _user_rows(session: Session) -> List[Dict[str, Any]]:
    now = utcnow()
    return [{"id": u.id, "username": u.username, "display_name": u.display_name,
             "role": u.role, "departments": list(u.departments or ()), "language": u.language,
             "active": u.active,
             "locked_until": (u.locked_until.isoformat(timespec="minutes")
                              if u.locked_until and u.locked_until > now else None)}
            for u in all_users(session)]


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, identity: StaffIdentity = Depends(admin),
                     saved: bool = False) -> HTMLResponse:
    users = await in_transaction(request, _user_rows)
    return render(request, "users.html", identity, users=users, roles=ROLES,
                  departments=DEPARTMENTS, errors=[], saved=saved, form={})


@router.post("/admin/users", dependencies=[Depends(verify_csrf)])
async def create_user_form(request: Request, identity: StaffIdentity = Depends(admin),
                           username: str = Form(""), password: str = Form(""),
                           display_name: str = Form(""), role: str = Form("staff"),
                           language: str = Form("fi"),
                           departments: List[str] = Form([])) -> Response:
    if role not in ROLES or language not in LANGUAGES:
        raise HTTPException(422, "Unknown role or language.")
    try:
        await in_transaction(request, lambda s: create_user(
            s, username=username, password=password, role=role, departments=departments,
            language=language, display_name=display_name))
    except InvalidUser as error:
        users = await in_transaction(request, _user_rows)
        return render(request, "users.html", identity, status_code=422, users=users,
                      roles=ROLES, departments=DEPARTMENTS, saved=False,
                      errors=[(error.field, error.key)],
                      form={"username": username, "display_name": display_name, "role": role,
                            "language": language, "departments": departments})
    return RedirectResponse("/console/admin/users?saved=1", status_code=303)


@router.post("/admin/users/{user_id}", dependencies=[Depends(verify_csrf)])
async def update_user_form(request: Request, user_id: RowId,
                           identity: StaffIdentity = Depends(admin),
                           display_name: str = Form(""), role: str = Form("staff"),
                           language: str = Form("fi"), departments: List[str] = Form([]),
                           active: bool = Form(False), unlock: bool = Form(False),
                           new_password: str = Form("")) -> Response:
    if role not in ROLES or language not in LANGUAGES:
        raise HTTPException(422, "Unknown role or language.")

    def change(session: Session) -> bool:
        user = session.get(StaffUser, user_id)
        if user is None:
            return False
        update_user(session, user, role=role, departments=departments, language=language,
                    active=active, display_name=display_name,
                    new_password=new_password or None, unlock=unlock)
        return True
    try:
        found = await in_transaction(request, change)
    except InvalidUser as error:
        raise HTTPException(422, translator(identity.language)(error.key)) from error
    if not found:
        raise HTTPException(404, "No such user.")
    return RedirectResponse("/console/admin/users?saved=1", status_code=303)


@router.get("/admin/departments", response_class=HTMLResponse)
async def departments_page(request: Request, identity: StaffIdentity = Depends(admin),
                           saved: bool = False) -> HTMLResponse:
    configs = {d: service_hours.effective_config(d) for d in DEPARTMENTS}
    return render(request, "departments.html", identity, configs=configs,
                  weekdays=service_hours.WEEKDAYS, saved=saved, errors=[])


def _department_form(form: Dict[str, str]) -> Dict[str, Any]:
    """Hours, queue limit and targets from the admin form; InvalidUser-like errors."""
    hours = {}
    for day in service_hours.WEEKDAYS:
        span = form.get(f"hours_{day}", "").strip()
        if span:
            if not HOURS_SPAN.match(span) or span[:5] >= span[6:]:
                raise InvalidUser(f"hours_{day}", "error_hours")
            hours[day] = span
    numbers: Dict[str, int] = {}
    fields = ["queue_limit"] + [f"target_{kind}_{p}" for kind in ("live_chat", "message")
                                for p in (1, 2, 3)]
    for field in fields:
        value = form.get(field, "").strip()
        if not value.isdigit() or int(value) <= 0:
            raise InvalidUser(field, "error_number")
        numbers[field] = int(value)
    targets = {kind: {str(p): numbers[f"target_{kind}_{p}"] for p in (1, 2, 3)}
               for kind in ("live_chat", "message")}
    return {"hours": hours, "queue_limit": numbers["queue_limit"], "targets_minutes": targets}


@router.post("/admin/departments/{department}", dependencies=[Depends(verify_csrf)])
async def save_department(request: Request, department: str,
                          identity: StaffIdentity = Depends(admin)) -> Response:
    if department not in DEPARTMENTS:
        raise HTTPException(404, "No such department.")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        config = _department_form(form)
    except InvalidUser as error:
        configs = {d: service_hours.effective_config(d) for d in DEPARTMENTS}
        return render(request, "departments.html", identity, status_code=422,
                      configs=configs, weekdays=service_hours.WEEKDAYS, saved=False,
                      errors=[(department, error.field, error.key)])

    def store(session: Session) -> Dict[str, dict]:
        row = session.get(DepartmentSettings, department)
        if row is None:
            session.add(DepartmentSettings(department=department, config=config,
                                           updated_by=identity.username))
        else:
            row.config, row.updated_by, row.updated_at = config, identity.username, utcnow()
        session.flush()
        return stored_overrides(session)
    service_hours.apply_overrides(await in_transaction(request, store))
    return RedirectResponse("/console/admin/departments?saved=1", status_code=303)


def stored_overrides(session: Session) -> Dict[str, dict]:
    """Every department's saved settings (applied at start-up and after each save)."""
    return {row.department: row.config
            for row in session.execute(select(DepartmentSettings)).scalars()}
