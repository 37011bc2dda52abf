"""The statistics over HTTP: roles, filters, JSON, CSV, NLU YAML, suppression, the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from servicedesk.app import create_app
from servicedesk.core.settings import Settings
from servicedesk.stats.service import FIGURE_VIEWS
from tests.servicedesk.conftest import create_staff, login
from tests.stats.conftest import ContactLog, local

RANGE = {"start": "2026-05-04", "end": "2026-05-10"}


@pytest.fixture
def client(database_url: str, contact_log: ContactLog) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=database_url,
                        rasa_url="http://127.0.0.1:9", action_server_url="http://127.0.0.1:9",
                        rasa_tracker_db_url="", stats_min_cell_size=3)
    create_staff(database_url, "maija", role="manager", language="sv")
    create_staff(database_url, "kalle", role="staff")
    at = local(2026, 5, 6, 10)
    for _ in range(4):
        contact_log.conversation(at, said=[("library", "answered")])
    for _ in range(2):
        contact_log.conversation(at, said=[("family_services", "answered")])
    contact_log.conversation(at, said=[(None, "fallback")],
                             texts=["Olen Matti, soita 040 123 4567"])
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield test_client


def test_only_managers_read_statistics(client: TestClient) -> None:
    assert client.get("/api/stats/volume", params=RANGE).status_code == 401
    page = client.get("/console/stats", follow_redirects=False)
    assert page.status_code == 303 and "/console/login" in page.headers["location"]
    login(client, "kalle")
    assert client.get("/api/stats/volume", params=RANGE).status_code == 403
    assert client.get("/console/stats").status_code == 403
    assert client.get("/api/stats/figures/top_topics.csv", params=RANGE).status_code == 403


def test_views_as_json_with_small_sensitive_numbers_hidden(client: TestClient) -> None:
    login(client, "maija")
    response = client.get("/api/stats/topics", params=RANGE)
    assert response.status_code == 200
    top = next(f for f in response.json()["figures"] if f["id"] == "top_topics")
    # family_services (2) is hidden; library's 4 too, or its share (4/6) would give the 2.
    assert top["rows"] == [["library", None, None], ["family_services", None, None]]
    assert top["suppressed"] == 4
    # Narrowed to a sensitive topic, every small count is hidden.
    narrowed = client.get("/api/stats/volume", params={**RANGE, "topic": "family_services"})
    per_day = next(f for f in narrowed.json()["figures"] if f["id"] == "contacts_per_day")
    assert [row[1] for row in per_day["rows"]] == [0, 0, None, 0, 0, 0, 0]
    for view in ("volume", "topics", "assistant", "waiting", "service-level", "outcomes",
                 "workload", "not-understood"):
        assert client.get(f"/api/stats/{view}", params=RANGE).status_code == 200, view


def test_bad_filters_get_a_clear_422(client: TestClient) -> None:
    login(client, "maija")
    for params, words in (({"start": "2026-05-10", "end": "2026-05-01"}, "before"),
                          ({"department": "mars"}, "unknown department"),
                          ({"topic": "weather"}, "unknown topic"),
                          ({"channel": "fax"}, "channel"),
                          ({"start": "2020-01-01", "end": "2026-01-01"}, "longer")):
        response = client.get("/api/stats/volume", params=params)
        assert response.status_code == 422, params
        assert words in response.text, response.text
    page = client.get("/console/stats", params={"department": "mars"})
    assert page.status_code == 422 and "mars" in page.text


def test_every_figure_exports_csv_in_the_readers_language(client: TestClient) -> None:
    login(client, "maija")
    for figure in FIGURE_VIEWS:
        response = client.get(f"/api/stats/figures/{figure}.csv", params=RANGE)
        assert response.status_code == 200, figure
        assert response.headers["content-type"].startswith("text/csv")
        assert figure in response.headers["content-disposition"]
    response = client.get("/api/stats/figures/top_topics.csv", params={**RANGE, "lang": "sv"})
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows == [["Ämne", "Frågor", "Andel"], ["library", "", ""],
                    ["family_services", "", ""]]  # suppressed cells are empty
    assert client.get("/api/stats/figures/nothing.csv").status_code == 404


def test_not_understood_exports_masked_nlu_candidates(client: TestClient) -> None:
    login(client, "maija")
    response = client.get("/api/stats/not-understood.yml", params=RANGE)
    assert response.status_code == 200
    assert "Matti" not in response.text and "040" not in response.text
    data = yaml.safe_load(response.text)
    assert data["version"] == "3.1"
    assert data["nlu"] == [{"intent": "candidate_fi",
                            "examples": "- olen <name>, soita <phone>\n"}]


def test_dashboard_page_in_three_languages(client: TestClient) -> None:
    login(client, "maija")
    swedish = client.get("/console/stats", params=RANGE)  # the user's own language
    assert swedish.status_code == 200
    assert "Kontaktstatistik" in swedish.text and 'lang="sv"' in swedish.text
    for lang, title in (("fi", "Yhteydenottotilastot"), ("en", "Contact statistics")):
        page = client.get("/console/stats", params={**RANGE, "lang": lang})
        assert title in page.text
        assert "<caption" in page.text and 'scope="col"' in page.text
    assert client.get("/console/stats/static/vendor/chart.umd.min.js").status_code == 200
    assert client.get("/console/stats/static/../pages.py").status_code == 404


def test_openapi_documents_the_statistics(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/stats/volume", "/api/stats/service-level", "/api/stats/not-understood",
                 "/api/stats/figures/{figure_id}.csv", "/api/stats/not-understood.yml"):
        assert path in paths, path


def test_figures_follow_new_messages(client: TestClient, contact_log: ContactLog) -> None:
    """The per-conversation facts refresh from last_activity_at before each view."""
    login(client, "maija")

    def engaged() -> int:
        view = client.get("/api/stats/assistant", params=RANGE).json()
        return int(next(f for f in view["figures"] if f["id"] == "containment")["rows"][0][1])

    before = engaged()
    contact_log.conversation(local(2026, 5, 7, 9), said=[("library", "answered")],
                             touched_now=True)
    assert engaged() == before + 1
