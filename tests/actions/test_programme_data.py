"""programme.yml says exactly what the seed document's tables say."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "docs/sources/porvoo-digiohjelma-2020-2023.txt"
YEARS = (2020, 2021, 2022, 2023)


def seed_rows() -> List[Dict[str, Any]]:
    """Use-case rows straight from the seed text: name, years, unit text, star."""
    rows = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) != 6 or cells[0].startswith("Käyttötapaus"):
            continue
        name = cells[0].strip()
        rows.append({
            "name": name,
            "years": [y for y, cell in zip(YEARS, cells[1:5], strict=True) if cell.strip() == "x"],
            "responsible": cells[5].strip(),
            "star": "*" in name,
        })
    return rows


@pytest.fixture(scope="module")
def programme() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "data/knowledge/programme.yml").read_text(encoding="utf-8"))


def test_every_use_case_row_is_in_the_data_in_order(programme: Dict[str, Any]) -> None:
    rows = seed_rows()
    cases = programme["use_cases"]
    assert len(rows) == len(cases) == 63
    for row, case in zip(rows, cases, strict=True):
        assert case["years"] == row["years"], case["id"]
        assert case["state_funding"] == row["star"], case["id"]
        assert " ".join(case["responsible_text"]["fi"].split()) == " ".join(
            row["responsible"].split()), case["id"]


def test_tables_per_theme_and_user(programme: Dict[str, Any]) -> None:
    counts: Dict[tuple, int] = {}
    for case in programme["use_cases"]:
        key = (case["theme"], case["primary_user"])
        counts[key] = counts.get(key, 0) + 1
    assert counts == {
        ("knowledge_based_decisions", "residents"): 9,
        ("knowledge_based_decisions", "staff"): 15,
        ("service_quality_efficiency", "residents"): 12,
        ("service_quality_efficiency", "staff"): 15,
        ("electronic_encounter", None): 12,
    }


def test_numbers_of_participation_and_governance(programme: Dict[str, Any]) -> None:
    parts = programme["participation"]["parts"]
    assert [p.get("respondents") for p in parts if p["kind"] == "survey"] == [74, 86]
    assert [str(p["date"]) for p in parts if p["kind"] == "workshop"] == [
        "2019-10-09", "2019-10-22"]
    assert programme["governance"]["meetings_per_year"] == 6
    assert programme["governance"]["state_funding_2019_meur"] == 30
    assert len(programme["themes"]) == 3 and len(programme["enablers"]) == 4


def test_units_referenced_exist(programme: Dict[str, Any]) -> None:
    units = {u["id"] for u in programme["units"]}
    for case in programme["use_cases"]:
        assert set(case["responsible"]) <= units, case["id"]
