"""Computing a view for a request: filters from the query string, a read-only
transaction off the event loop, suppression of small sensitive numbers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Dict, List, Literal, Mapping, Optional

from fastapi import HTTPException, Query, Request
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from servicedesk.core.db import transaction
from servicedesk.core.types import utcnow
from servicedesk.models import CHANNELS
from servicedesk.stats import facts, queries
from servicedesk.stats.figures import Figure, suppress
from servicedesk.stats.filters import Filters, InvalidFilter
from servicedesk.stats.sql import HELSINKI
from servicedesk.texts import LANGUAGES

DEFAULT_DAYS = 30
FILTER_KEYS = ("channel", "language", "department", "topic")
# Views that read the statistics tables (facts.py: refreshed first, in the same
# transaction); volume reads only the contact log.
REFRESHED_VIEWS = frozenset({"topics", "assistant", "waiting", "service_level", "outcomes",
                             "workload", "not_understood"})
Channel = Literal["webchat", "telegram", "email", "webform"]
Language = Literal["fi", "sv", "en"]
# Which view computes each figure (for the CSV of one figure).
FIGURE_VIEWS: Dict[str, str] = {
    "contacts_per_day": "volume", "contacts_per_week": "volume", "heatmap": "volume",
    "top_topics": "topics", "topic_trend": "topics",
    "containment": "assistant", "handoff_reasons": "assistant", "fallback": "assistant",
    "response_times": "waiting", "compliance": "service_level", "open_items": "service_level",
    "resolutions": "outcomes", "satisfaction": "outcomes", "satisfaction_summary": "outcomes",
    "workload": "workload", "not_understood": "not_understood",
}


def today() -> date:
    return utcnow().astimezone(HELSINKI).date()


def make_filters(start: Optional[date], end: Optional[date], **chosen: Optional[str]
                 ) -> Filters:
    """Filters with the default range (the last 30 days); InvalidFilter for a bad value."""
    last = end or today()
    try:
        first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    except OverflowError:  # an end date in year 1
        raise InvalidFilter("the end date is out of range") from None
    if chosen.get("channel") and chosen["channel"] not in CHANNELS:
        raise InvalidFilter(f"unknown channel: {chosen['channel']}")
    if chosen.get("language") and chosen["language"] not in LANGUAGES:
        raise InvalidFilter(f"unknown language: {chosen['language']}")
    return Filters(start=first, end=last,
                   **{key: value or None for key, value in chosen.items()})


def filters_from_params(params: Mapping[str, str]) -> Filters:
    """Filters from a page's query string (dates as YYYY-MM-DD)."""
    try:
        dates = [date.fromisoformat(params[key]) if params.get(key) else None
                 for key in ("start", "end")]
    except ValueError as error:
        raise InvalidFilter("dates are written YYYY-MM-DD") from error
    return make_filters(dates[0], dates[1],
                        **{key: params.get(key) or None for key in FILTER_KEYS})


def filters_from_query(
    start: Optional[date] = Query(None, description="First day (Helsinki), default 30 days ago"),
    end: Optional[date] = Query(None, description="Last day (Helsinki, included), default today"),
    channel: Optional[Channel] = Query(None),
    language: Optional[Language] = Query(None, description="The conversation's language"),
    department: Optional[str] = Query(None, description="A department id of the catalogue"),
    topic: Optional[str] = Query(None, description="A topic id of the catalogue"),
) -> Filters:
    """The filters of an API request; 422 with a message for a bad value."""
    try:
        return make_filters(start, end, channel=channel, language=language,
                            department=department, topic=topic)
    except InvalidFilter as error:
        raise HTTPException(422, str(error)) from error


def clock(request: Request) -> datetime:
    """The service desk's clock (the gateway's, which tests can set)."""
    gateway = getattr(request.app.state, "gateway", None)
    return gateway.clock() if gateway is not None else utcnow()


def compute_view(sessions: sessionmaker, view: str, filters: Filters, now: datetime,
                 min_cell: int) -> List[Figure]:
    """One view's figures, small sensitive numbers suppressed."""
    with transaction(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            # Sorts for percentiles and groupings stay in memory (the default is 4 MB).
            session.execute(text("SET LOCAL work_mem = '64MB'"))
        if view in REFRESHED_VIEWS:
            facts.refresh(session.connection(), utcnow())
        context = queries.Context(session.connection(), filters, now)
        figures = queries.VIEWS[view](context)
    everything = filters.narrows_to_sensitive
    return [suppress(figure, min_cell=min_cell, everything=everything) for figure in figures]


async def view_for_request(request: Request, view: str, filters: Filters) -> List[Figure]:
    settings = request.app.state.settings
    return await asyncio.to_thread(compute_view, request.app.state.sessions, view, filters,
                                   clock(request), settings.stats_min_cell_size)


async def figure_for_request(request: Request, figure_id: str, filters: Filters) -> Figure:
    view = FIGURE_VIEWS.get(figure_id)
    if view is None:
        raise HTTPException(404, f"No figure called {figure_id!r}.")
    figures = await view_for_request(request, view, filters)
    return next(f for f in figures if f.id == figure_id)
