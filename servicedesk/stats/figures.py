"""A figure is a table of numbers: the chart, its accessible table and its CSV all show it.

Small numbers about sensitive topics are suppressed here, after the database has
counted them: a cell below the threshold becomes None, and so do the rates and
percentiles computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from servicedesk.stats import catalogue


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
    """Hide counts 1..min_cell-1 in sensitive rows and columns (all of them if `everything`)."""
    if min_cell <= 1:
        return figure
    sensitive = sensitive_keys()
    key_index = figure.columns.index(figure.key) if figure.key else None
    for row in figure.rows:
        row_sensitive = everything or (key_index is not None and row[key_index] in sensitive)
        hidden = set()
        for index, column in enumerate(figure.columns):
            if column not in figure.counts or not (row_sensitive or column in sensitive):
                continue
            value = row[index]
            if isinstance(value, (int, float)) and 0 < value < min_cell:
                row[index] = None
                hidden.add(column)
                figure.suppressed += 1
        for column, bases in figure.derived.items():
            index = figure.columns.index(column)
            if hidden & set(bases) and row[index] is not None:
                row[index] = None
                figure.suppressed += 1
    return figure
