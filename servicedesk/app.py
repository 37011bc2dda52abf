"""The service desk application: web chat API, widget, health; runs the gateway."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Dict, Literal, Optional

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from connectors import telegram
from connectors.email import EmailChannel
from servicedesk import retention
from servicedesk.console import api as console_api
from servicedesk.console import pages as console_pages
from servicedesk.console.auth import LoginRequired, login_url
from servicedesk.console.login_guard import LoginThrottle
from servicedesk.core import api_docs, edge, log_privacy
from servicedesk.core.db import make_engine, make_session_factory, migrate, transaction
from servicedesk.core.settings import Settings, get_settings
from servicedesk.events import EventBus
from servicedesk.gateway import Gateway
from servicedesk.health import system_health
from servicedesk.queue import service_hours
from servicedesk.rasa_client import RasaClient
from servicedesk.ratelimit import RateLimiter
from servicedesk.stats import api as stats_api
from servicedesk.stats import pages as stats_pages
from servicedesk.webchat import api as webchat_api
from servicedesk.webform import routes as webform_routes

WEBCHAT_DIR = Path(__file__).parent / "webchat"
CONSOLE_DIR = Path(__file__).parent / "console"


async def _to_login_page(request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(login_url(error.next_path), status_code=303)


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or get_settings()
    log_privacy.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        rasa = RasaClient(rasa_url=settings.rasa_url,
                          action_server_url=settings.action_server_url,
                          timeout=settings.rasa_timeout_seconds,
                          auth_token=settings.rasa_auth_token.get_secret_value())
        app.state.settings = settings
        app.state.sessions = sessions
        app.state.rasa = rasa
        app.state.bus = EventBus()
        app.state.webchat_sockets = Counter()
        app.state.login_throttle = LoginThrottle()
        app.state.gateway = Gateway(sessions=sessions, rasa=rasa, bus=app.state.bus)
        app.state.limits = {
            "messages_per_conversation": RateLimiter(
                settings.messages_per_minute_per_conversation),
            "messages_per_address": RateLimiter(settings.messages_per_minute_per_address),
            "conversations_per_address": RateLimiter(
                settings.conversations_per_minute_per_address),
        }
        with transaction(sessions) as session:
            service_hours.apply_overrides(console_pages.stored_overrides(session))
        retention_job = retention.start(sessions, settings)
        # Channel adapters start here (each after the gateway exists) ...
        app.state.telegram = await telegram.start(settings=settings, gateway=app.state.gateway,
                                                  bus=app.state.bus, sessions=sessions)
        app.state.email = EmailChannel(gateway=app.state.gateway, settings=settings)
        app.state.webform_limiter = RateLimiter(
            settings.webform_submissions_per_minute_per_address)
        await app.state.email.start()
        try:
            yield
        finally:
            # ... and stop here, before the gateway's clients close.
            await telegram.stop(app.state.telegram)
            await app.state.email.stop()
            retention_job.cancel()
            await rasa.close()
            engine.dispose()

    development = settings.environment != "production"
    app = FastAPI(title="Porvoo / Borgå citizen service desk", version="0.1.0",
                  description="Conversation gateway, web chat API and contact log.",
                  lifespan=lifespan,
                  # The API's documentation pages only where nobody else reaches them.
                  docs_url="/docs" if development else None,
                  redoc_url="/redoc" if development else None,
                  openapi_url="/openapi.json" if development else None)
    api_docs.install(app)
    edge.install(app, trusted_proxies=settings.trusted_proxies.split(","),
                 max_request_bytes=settings.max_request_bytes,
                 frame_origins=settings.widget_frame_origins.split())
    app.include_router(webchat_api.router)
    # Feature routers (console, statistics, channels) are included below.
    app.include_router(stats_api.router)
    app.include_router(stats_pages.router)
    app.include_router(telegram.router)
    app.include_router(webform_routes.router)
    app.include_router(console_pages.router)
    app.include_router(console_api.router)
    app.add_exception_handler(LoginRequired, _to_login_page)
    app.mount("/console/static", StaticFiles(directory=CONSOLE_DIR / "static"),
              name="console-static")
    app.add_exception_handler(webchat_api.RateLimited, webchat_api.rate_limited_handler)
    app.mount("/static", StaticFiles(directory=WEBCHAT_DIR / "static"), name="static")
    templates = Jinja2Templates(directory=str(WEBCHAT_DIR / "templates"))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def demo_page(request: Request, lang: Literal["fi", "sv", "en"] = "fi") -> Any:
        """A page like the city's website, with the chat widget on it."""
        return templates.TemplateResponse(request, "demo.html", {"lang": lang})

    @app.get("/health", tags=["operations"], responses={
        503: {"description": "Not ready: a part of the system is down"}})
    async def health(request: Request) -> JSONResponse:
        """200 only when the service desk, database, Rasa and action server are ready."""
        state: Dict[str, Any] = await system_health(request.app.state.sessions,
                                                    request.app.state.rasa)
        return JSONResponse(state, status_code=200 if state["ok"] else 503)

    return app
