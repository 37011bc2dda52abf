"""What Chart.js draws for each figure (labels and series; stats.js adds the styling),
and the shading of the weekday x hour heat map (an HTML table, so no chart)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from servicedesk.stats.figures import Figure
from servicedesk.stats.i18n import column_header, label, translator

TOP_TOPICS_CHARTED = 10
# Bar charts of one count column per key row: figure -> (key column, value columns).
BARS = {
    "contacts_per_week": ("week", ("contacts",)),
    "handoff_reasons": ("reason", ("handoffs",)),
    "compliance": ("department", ("compliance",)),
    "open_items": ("department", ("open", "overdue")),
    "resolutions": ("resolution", ("handoffs",)),
    "satisfaction": ("rating", ("responses",)),
    "workload": ("department", ("items", "closed")),
}


def _series(figure: Figure, column: str, rows: List[List[Any]], language: str,
            scale: float = 1.0) -> Dict[str, Any]:
    index = figure.columns.index(column)
    return {"label": column_header(column, language),
            "data": [None if row[index] is None else round(row[index] * scale, 2)
                     for row in rows]}


def _labels(figure: Figure, key: str, rows: List[List[Any]], language: str) -> List[str]:
    index = figure.columns.index(key)
    return [label(key, row[index], language) or str(row[index]) for row in rows]


def chart_spec(figure: Figure, language: str) -> Optional[Dict[str, Any]]:
    """{type, title, labels, datasets, unit} for the figures that have a chart."""
    title = translator(language)(f"fig_{figure.id}")
    spec: Optional[Dict[str, Any]] = None
    if figure.id == "contacts_per_day":
        spec = {"type": "line", "labels": _labels(figure, "day", figure.rows, language),
                "datasets": [_series(figure, "contacts", figure.rows, language)]}
    elif figure.id == "top_topics":
        rows = figure.rows[:TOP_TOPICS_CHARTED]
        spec = {"type": "bar", "horizontal": True,
                "labels": _labels(figure, "topic", rows, language),
                "datasets": [_series(figure, "questions", rows, language)]}
    elif figure.id == "topic_trend":
        spec = {"type": "line", "labels": _labels(figure, "week", figure.rows, language),
                "datasets": [_series(figure, topic, figure.rows, language)
                             for topic in figure.columns[1:]]}
    elif figure.id == "containment" and figure.rows:
        row = dict(zip(figure.columns, figure.rows[0], strict=True))
        spec = {"type": "doughnut",
                "labels": [column_header(c, language) for c in ("contained", "handed_off")],
                "datasets": [{"label": title, "data": [row["contained"], row["handed_off"]]}]}
    elif figure.id == "response_times":
        rows = [row for row in figure.rows if row[1] == "all"]
        spec = {"type": "bar", "unit": "min",
                "labels": _labels(figure, "measure", rows, language),
                "datasets": [_series(figure, c, rows, language, 1 / 60)
                             for c in ("median_seconds", "p90_seconds")]}
    elif figure.id in BARS:
        key, values = BARS[figure.id]
        rows = [row for row in figure.rows if row[0] != "all"]
        percent = values == ("compliance",)
        spec = {"type": "bar", "unit": "%" if percent else "",
                "labels": _labels(figure, key, rows, language),
                "datasets": [_series(figure, c, rows, language, 100 if percent else 1)
                             for c in values]}
    if spec is None or not spec["labels"]:
        return None
    return {"title": title, "unit": "", "horizontal": False, **spec}


def heat_style(figure: Figure, column: str, value: Any) -> str:
    """A heat-map cell's background: light to mid blue, dark text stays readable (AA)."""
    if figure.id != "heatmap" or not column.isdigit() or not isinstance(value, int):
        return ""
    peak = max((v for row in figure.rows for v in row[1:] if isinstance(v, int)), default=0)
    share = value / peak if peak else 0.0
    lightness = round(97 - 37 * share)
    return f"background-color: hsl(210, 70%, {lightness}%)"
