"""GET /contact: the accessible contact form (fi, sv, en; works without JavaScript).
POST /contact: a checked submission becomes a contact and a work item (channel
"webform"); the answer is the page with its reference number.

A signed, time-limited form token (itsdangerous, SECRET_KEY) stands in for CSRF
protection on this public form and makes a second submit of the same page find the
first contact instead of creating another; submissions are rate limited per address.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Dict, List, Literal, Optional, Tuple

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer

from connectors.email_intake import Intake, NewContact, Receipt
from servicedesk import catalogue
from servicedesk.core.i18n import TextFile
from servicedesk.core.settings import Settings
from servicedesk.ratelimit import RateLimiter
from servicedesk.texts import LANGUAGES, department_name

router = APIRouter(tags=["web form"])
HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEXTS_FILE = HERE / "texts.yml"
TOKEN_SALT = "porvoo-contact-form"
OTHER = "other"
MAX_NAME_CHARS = 200
EMAIL = re.compile(r"^[^@\s<>\",;]{1,64}@[^@\s<>\",;]+\.[^@\s<>\",;]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")
FIELDS = ("topic", "message", "name", "email", "phone")
Language = Literal["fi", "sv", "en"]


TEXTS = TextFile(TEXTS_FILE)


def text(key: str, language: str, **values: Any) -> str:
    return TEXTS.text(key, language, **values)


def topic_options(language: str) -> List[Tuple[str, List[Tuple[str, str]]]]:
    """(group label, [(topic id, title)]) in the page's language, titles sorted."""
    return [(text(f"group_{group}", language),
             sorted(((t, catalogue.topic_title(t, language)) for t in topics),
                    key=lambda o: o[1]))
            for group, topics in catalogue.subject_groups().items()]


def allowed_topics() -> set[str]:
    return set(catalogue.subject_topics()) | {OTHER}


@dataclass
class FormInput:
    lang: str
    topic: str = OTHER
    message: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    errors: Dict[str, str] = field(default_factory=dict)

    def check(self, max_message_chars: int) -> None:
        """Field errors, in the order of the fields on the page."""
        lang = self.lang
        if self.topic not in allowed_topics():
            self.errors["topic"] = text("topic_invalid", lang)
        if not self.message.strip():
            self.errors["message"] = text("message_required", lang)
        elif len(self.message) > max_message_chars:
            self.errors["message"] = text("message_too_long", lang, limit=max_message_chars,
                                          length=len(self.message))
        if len(self.name) > MAX_NAME_CHARS:
            self.errors["name"] = text("name_too_long", lang, limit=MAX_NAME_CHARS)
        if self.email and (len(self.email) > 320 or not EMAIL.match(self.email)):
            self.errors["email"] = text("email_invalid", lang)
        digits = sum(c.isdigit() for c in self.phone)
        if self.phone and (not PHONE.match(self.phone) or digits < 5):
            self.errors["phone"] = text("phone_invalid", lang)


def printable(value: str) -> str:
    """A form field without the characters no database stores (NUL, lone surrogates):
    browsers never send them, so they are dropped rather than shown as an error."""
    return "".join(ch for ch in value if ch != "\x00" and not "\ud800" <= ch <= "\udfff")


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=TOKEN_SALT)


def new_form_token(settings: Settings) -> str:
    return _serializer(settings).dumps(secrets.token_urlsafe(16))


def form_token_hash(settings: Settings, token: str) -> Optional[str]:
    """The SHA-256 of a valid, unexpired token's nonce; None when it is not valid."""
    try:
        nonce = _serializer(settings).loads(token, max_age=settings.webform_token_max_age_seconds)
    except BadSignature:
        return None
    return hashlib.sha256(str(nonce).encode()).hexdigest()


def _render(request: Request, template: str, lang: str, status: int,
            headers: Optional[Dict[str, str]] = None, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, {"lang": lang, "t": lambda key, **v: text(key, lang, **v),
                            **context}, status_code=status, headers=headers)


def render_form(request: Request, form: FormInput, *, status: int = 200,
                general_error: Optional[str] = None,
                headers: Optional[Dict[str, str]] = None) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    return _render(request, "contact.html", form.lang, status, headers, form=form,
                   general_error=general_error, fields=FIELDS,
                   topics=topic_options(form.lang), other=OTHER,
                   limit=settings.webform_max_message_chars,
                   form_token=new_form_token(settings))


def render_receipt(request: Request, lang: str, receipt: Receipt,
                   form: FormInput) -> HTMLResponse:
    return _render(request, "received.html", lang, 200, receipt=receipt,
                   due=receipt.due_text(),
                   department=department_name(receipt.department, lang),
                   by_email=receipt.acknowledged, by_phone=bool(form.phone))


@router.get("/contact", response_class=HTMLResponse, include_in_schema=False)
async def contact_page(request: Request, lang: Language = "fi") -> HTMLResponse:
    """The contact form in the page's language."""
    return render_form(request, FormInput(lang=lang))


@router.post("/contact", response_class=HTMLResponse, include_in_schema=False)
async def submit_contact(
    request: Request,
    lang: Annotated[str, Form()] = "fi",
    topic: Annotated[str, Form()] = OTHER,
    message: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Check the form; store the contact; answer with its reference number."""
    settings: Settings = request.app.state.settings
    message, name, email, phone = (printable(v) for v in (message, name, email, phone))
    form = FormInput(lang=lang if lang in LANGUAGES else "fi", topic=topic.strip(),
                     message=message.strip(), name=" ".join(name.split()),
                     email=email.strip(), phone=" ".join(phone.split()))
    token_hash = form_token_hash(settings, form_token)
    if token_hash is None:
        return render_form(request, form, status=400,
                           general_error=text("form_expired", form.lang))
    form.check(settings.webform_max_message_chars)
    if form.errors:
        return render_form(request, form, status=422)
    limiter: RateLimiter = request.app.state.webform_limiter
    wait = limiter.hit(request.client.host if request.client else "unknown")
    if wait:
        return render_form(request, form, status=429, headers={"Retry-After": str(wait)},
                           general_error=text("too_many", form.lang, seconds=wait))
    intake: Intake = request.app.state.email.intake
    receipt = await intake.take_in(NewContact(
        channel="webform", text=form.message, address=form.email or None,
        name=form.name or None, phone=form.phone or None, language=form.lang,
        topic=None if form.topic == OTHER else form.topic, form_token_hash=token_hash))
    return render_receipt(request, form.lang, receipt, form)
