"""The dashboard page in the console (manager role): charts, their tables, CSV links."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from servicedesk import catalogue
from servicedesk.console.auth import StaffIdentity, require_page_role
from servicedesk.console.i18n import LANGUAGE_COOKIE
from servicedesk.models import CHANNELS
from servicedesk.stats.charts import chart_spec, heat_style
from servicedesk.stats.figures import Figure
from servicedesk.stats.filters import Filters, InvalidFilter
from servicedesk.stats.i18n import cell, column_header, page_language, stats_texts, translator
from servicedesk.stats.service import clock, compute_view, filters_from_params, make_filters
from servicedesk.texts import LANGUAGES, department_name

HERE = Path(__file__).parent
CONSOLE_TEMPLATES = HERE.parent / "console" / "templates"
TEMPLATES = Jinja2Templates(directory=[str(HERE / "templates"), str(CONSOLE_TEMPLATES)])
STATIC_FILES = {"stats.js": "text/javascript", "stats.css": "text/css",
                "vendor/chart.umd.min.js": "text/javascript"}
SECTIONS = ("volume", "topics", "assistant", "waiting", "service_level", "outcomes", "workload",
            "not_understood")
PAGE_ROWS = {"not_understood": 50}

router = APIRouter(prefix="/console/stats", include_in_schema=False)


def _all_views(request: Request, filters: Filters) -> Dict[str, List[Figure]]:
    """Every section's figures, one transaction per view."""
    settings = request.app.state.settings
    now = clock(request)
    return {view: compute_view(request.app.state.sessions, view, filters, now,
                               settings.stats_min_cell_size) for view in SECTIONS}


def _query_string(filters: Filters, **extra: str) -> str:
    values = {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
              "channel": filters.channel, "language": filters.language,
              "department": filters.department, "topic": filters.topic, **extra}
    return urlencode({key: value for key, value in values.items() if value})


def _figure_context(figure: Figure, language: str) -> Dict[str, Any]:
    rows = figure.rows[:PAGE_ROWS.get(figure.id, len(figure.rows))]
    return {
        "id": figure.id,
        "headers": [column_header(column, language) for column in figure.columns],
        "rows": [[{"text": cell(column, value, language), "suppressed": value is None,
                   "style": heat_style(figure, column, value)}
                  for column, value in zip(figure.columns, row, strict=True)] for row in rows],
        "more_rows": len(figure.rows) - len(rows),
        "chart": json.dumps(chart_spec(figure, language), ensure_ascii=False)
        if chart_spec(figure, language) else None,
        "suppressed": figure.suppressed,
    }


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request,
                    identity: StaffIdentity = Depends(require_page_role("manager"))
                    ) -> HTMLResponse:
    """The dashboard: filters, then every section's charts and tables."""
    language = page_language(request, identity.language)
    error: Optional[str] = None
    try:
        filters = filters_from_params(request.query_params)
    except InvalidFilter as problem:
        error = str(problem)
        filters = make_filters(None, None)
    views = await asyncio.to_thread(_all_views, request, filters)
    sections = [{"id": view, "figures": [_figure_context(f, language) for f in figures]}
                for view, figures in views.items()]
    response = TEMPLATES.TemplateResponse(request, "stats.html", {
        "identity": identity, "lang": language, "t": translator(language),
        "languages": LANGUAGES, "filters": filters, "sections": sections, "error": error,
        "query": _query_string(filters), "csv_query": _query_string(filters, lang=language),
        "channels": CHANNELS, "departments": [(d, department_name(d, language))
                                              for d in catalogue.departments()],
        "topics": sorted(((t, catalogue.topic_title(t, language))
                          for t in catalogue.subject_topics()), key=lambda item: item[1]),
        "min_cell": request.app.state.settings.stats_min_cell_size, "texts": stats_texts(),
    }, status_code=422 if error else 200)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="strict",
                            secure=True, httponly=True)
    return response


@router.get("/static/{name:path}")
async def static_file(name: str) -> FileResponse:
    """The dashboard's script, style and the vendored Chart.js (served from here)."""
    if name not in STATIC_FILES:
        raise HTTPException(404, "Not found.")
    return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "max-age=3600"})
