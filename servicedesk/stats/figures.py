"""A figure is a table of numbers: the chart, its accessible table and its CSV all show it.

Small numbers about sensitive topics are suppressed here, after the database has
counted them: a cell below the threshold becomes None, and so do the rates and
percentiles computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from servicedesk import catalogue


@dataclass
class Figure:
    id: str
    columns: List[str]
    rows: List[List[Any]]
    # Columns that count contacts, messages or work items (suppressible).
    counts: Tuple[str, ...] = ()
    # Column -> the count columns it is computed from (suppressed along with them).
    derived: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # The column whose value (a topic or department) marks a row as sensitive.
    key: Optional[str] = None
    suppressed: int = 0

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "columns": self.columns, "rows": self.rows,
                "suppressed": self.suppressed}


def sensitive_keys() -> FrozenSet[str]:
    return catalogue.sensitive_topics() | catalogue.sensitive_departments()


def suppress(figure: Figure, *, min_cell: int, everything: bool) -> Figure:
    """Hide counts 1..min_cell-1 in sensitive rows and columns (all of them if `everything`).

    Secondary suppression: when a row or a column has exactly one hidden count, its
    smallest other count is hidden too, so that a total (or a share computed from one)
    cannot give the hidden number back by subtraction.
    """
    if min_cell <= 1:
        return figure
    sensitive = sensitive_keys()
    key_index = figure.columns.index(figure.key) if figure.key else None
    hidden_in: Dict[str, List[int]] = {column: [] for column in figure.counts}
    for row_number, row in enumerate(figure.rows):
        row_sensitive = everything or (key_index is not None and row[key_index] in sensitive)
        hidden_here = []
        for index, column in enumerate(figure.columns):
            if column not in figure.counts or not (row_sensitive or column in sensitive):
                continue
            value = row[index]
            if isinstance(value, (int, float)) and 0 < value < min_cell:
                _hide(figure, row, column)
                hidden_in[column].append(row_number)
                hidden_here.append(column)
        if len(hidden_here) == 1:
            _hide_smallest_in_row(figure, row, hidden_here[0])
    for column, rows in hidden_in.items():
        if len(rows) == 1:
            _hide_smallest_other(figure, column, rows[0])
    return figure


def _hide_smallest_in_row(figure: Figure, row: List[Any], hidden: str) -> None:
    """A row with one hidden count: its smallest other count goes too (a row total)."""
    candidates = [(row[figure.columns.index(column)], column) for column in figure.counts
                  if column != hidden
                  and isinstance(row[figure.columns.index(column)], (int, float))
                  and row[figure.columns.index(column)] > 0]
    if candidates:
        _hide(figure, row, min(candidates)[1])


def _hide(figure: Figure, row: List[Any], column: str) -> None:
    """Hide one count and every column computed from it in the same row."""
    row[figure.columns.index(column)] = None
    figure.suppressed += 1
    for derived, bases in figure.derived.items():
        index = figure.columns.index(derived)
        if column in bases and row[index] is not None:
            row[index] = None
            figure.suppressed += 1


def _hide_smallest_other(figure: Figure, column: str, hidden_row: int) -> None:
    index = figure.columns.index(column)
    candidates = [(row[index], number) for number, row in enumerate(figure.rows)
                  if number != hidden_row and isinstance(row[index], (int, float))
                  and row[index] > 0]
    if candidates:
        _, number = min(candidates)
        _hide(figure, figure.rows[number], column)
