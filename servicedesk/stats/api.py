"""The dashboard's figures as JSON, CSV and Rasa NLU YAML (manager role)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from servicedesk.console.auth import StaffIdentity, require_role
from servicedesk.core.api_docs import error_responses
from servicedesk.stats import export
from servicedesk.stats.filters import Filters
from servicedesk.stats.i18n import column_header, page_language
from servicedesk.stats.service import (
    figure_for_request,
    filters_from_query,
    view_for_request,
)

router = APIRouter(prefix="/api/stats", tags=["statistics"],
                   responses=error_responses(401, 403, 404))
manager = require_role("manager")


class FigureOut(BaseModel):
    id: str = Field(..., description="The figure's id (also its CSV: /api/stats/figures/{id}.csv)")
    columns: List[str]
    rows: List[List[Any]] = Field(..., description="null = suppressed (a small number on a "
                                                   "sensitive topic) or not computable")
    suppressed: int = Field(..., description="How many cells were suppressed")


class FiltersOut(BaseModel):
    start: str
    end: str
    channel: Optional[str]
    language: Optional[str]
    department: Optional[str]
    topic: Optional[str]


class ViewOut(BaseModel):
    view: str
    filters: FiltersOut
    figures: List[FigureOut]


VIEW_DESCRIPTIONS = {
    "volume": "Contacts (conversations started) per day and per ISO week, and a weekday x "
              "hour heat map; Helsinki time.",
    "topics": "Resident questions per topic, most asked first, and the weekly trend of the "
              "five most asked.",
    "assistant": "Bot containment (conversations with a resident message and no handoff), "
                 "handoffs by reason and left messages per engaged conversation, fallback "
                 "rate of the messages the assistant handled.",
    "waiting": "Waiting time to a person and first-response time per department (median, "
               "90th percentile by nearest rank, mean; seconds).",
    "service_level": "Service-level compliance per department (first response within the "
                     "target, counted in service hours), open and overdue work items now.",
    "outcomes": "Resolution categories of closed work items; satisfaction ratings (1-5) "
                "and the response rate among conversations asked to rate.",
    "workload": "Work items per department, closed items per staff member, median "
                "handling time (claim to close).",
    "not_understood": "Messages the assistant did not understand, personal data masked, "
                      "grouped and counted.",
}


def _filters_out(filters: Filters) -> Dict[str, Any]:
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
            "channel": filters.channel, "language": filters.language,
            "department": filters.department, "topic": filters.topic}


def _view_route(view: str) -> Callable[..., Any]:
    async def route(request: Request, filters: Filters = Depends(filters_from_query),
                    identity: StaffIdentity = Depends(manager)) -> Dict[str, Any]:
        figures = await view_for_request(request, view, filters)
        return {"view": view, "filters": _filters_out(filters),
                "figures": [figure.as_dict() for figure in figures]}
    route.__name__ = f"stats_{view}"
    return route


for _view, _description in VIEW_DESCRIPTIONS.items():
    router.add_api_route(f"/{_view.replace('_', '-')}", _view_route(_view), methods=["GET"],
                         response_model=ViewOut, summary=f"Statistics: {_view}",
                         description=_description)


@router.get("/figures/{figure_id}.csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
async def figure_csv(request: Request, figure_id: str,
                     filters: Filters = Depends(filters_from_query),
                     identity: StaffIdentity = Depends(manager)) -> Response:
    """One figure as CSV (UTF-8 with BOM for spreadsheets), headers in ?lang= or the user's."""
    figure = await figure_for_request(request, figure_id, filters)
    language = page_language(request, identity.language)
    body = "\ufeff" + export.figure_csv(figure, lambda c: column_header(c, language))
    name = f"{figure_id}_{filters.start.isoformat()}_{filters.end.isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/not-understood.yml", response_class=PlainTextResponse,
            responses={200: {"content": {"application/yaml": {}}}})
async def not_understood_yaml(request: Request, filters: Filters = Depends(filters_from_query),
                              identity: StaffIdentity = Depends(manager)) -> Response:
    """Not-understood messages as Rasa NLU candidate examples, personal data masked."""
    figure = await figure_for_request(request, "not_understood", filters)
    name = f"nlu_candidates_{filters.start.isoformat()}_{filters.end.isoformat()}.yml"
    return Response(export.nlu_candidates(figure), media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
