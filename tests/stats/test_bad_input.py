"""Bad input to the statistics API gets a clear 4xx, never a server error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.servicedesk.conftest import login
from tests.stats.test_api import client  # noqa: F401  (the fixture)


@pytest.mark.parametrize("params", [
    {"start": "9999-12-25", "end": "9999-12-31"},
    {"start": "9999-12-31", "end": "9999-12-31"},
    {"start": "0001-01-01", "end": "0001-01-07"},
    {"start": "2026-11-01", "end": "2099-12-31"},
    {"start": "2026-11-01", "end": "2027-06-30"},
    {"start": "2026-12-01", "end": "2026-12-24"},
    {"start": "2026-05-04", "end": "2026-02-30"},
    {"start": "\x00", "end": "2026-05-10"},
    {"end": "0001-01-01"},
])
@pytest.mark.parametrize("view", ["volume", "service-level", "not-understood"])
def test_dates_far_away_or_malformed_are_refused_or_answered(client: TestClient,  # noqa: F811
                                                             view: str, params: dict) -> None:
    login(client, "maija")
    response = client.get(f"/api/stats/{view}", params=params)
    assert response.status_code in (200, 404, 422), (view, params, response.text[:200])


@pytest.mark.parametrize("params", [{"start": "9999-12-25", "end": "9999-12-31"},
                                    {"start": "2026-11-01", "end": "2027-06-30"}])
@pytest.mark.parametrize("figure", ["compliance", "response_times"])
def test_csv_and_page_with_far_dates(client: TestClient, figure: str,  # noqa: F811
                                     params: dict) -> None:
    login(client, "maija")
    csv_response = client.get(f"/api/stats/figures/{figure}.csv", params=params)
    assert csv_response.status_code in (200, 422), csv_response.text[:200]
    page = client.get("/console/stats", params=params)
    assert page.status_code in (200, 422), page.text[:200]
