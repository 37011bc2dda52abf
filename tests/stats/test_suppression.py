"""Small sensitive numbers are hidden, and cannot be worked back out from what is shown."""

from __future__ import annotations

from servicedesk.stats.figures import Figure, suppress


def topics_figure(rows: list) -> Figure:
    return Figure(id="top_topics", columns=["topic", "questions", "share"], rows=rows,
                  counts=("questions",), derived={"share": ("questions",)}, key="topic")


def test_one_hidden_count_takes_the_next_smallest_with_it() -> None:
    total = 40 + 10 + 2
    figure = suppress(topics_figure([["library", 40, 40 / total], ["daycare", 10, 10 / total],
                                     ["family_services", 2, 2 / total]]),
                      min_cell=5, everything=False)
    assert figure.rows == [["library", 40, 40 / total], ["daycare", None, None],
                           ["family_services", None, None]]
    assert figure.suppressed == 4


def test_two_hidden_counts_need_no_secondary_suppression() -> None:
    figure = suppress(topics_figure([["library", 40, 0.8], ["family_services", 3, 0.06],
                                     ["child_welfare", 2, 0.04]]), min_cell=5, everything=False)
    assert [row[1] for row in figure.rows] == [40, None, None]


def test_large_or_zero_sensitive_counts_stay() -> None:
    figure = suppress(topics_figure([["library", 4, 0.5], ["family_services", 0, 0.0],
                                     ["daycare", 4, 0.5]]), min_cell=5, everything=False)
    assert [row[1] for row in figure.rows] == [4, 0, 4]  # library is not sensitive
    assert figure.suppressed == 0


def test_a_row_with_one_hidden_count_loses_its_smallest_other_count() -> None:
    figure = Figure(id="resolutions", columns=["department", "answered", "referred", "total"],
                    rows=[["family", 3, 20, 23], ["culture", 3, 20, 23]],
                    counts=("answered", "referred", "total"), key="department")
    suppress(figure, min_cell=5, everything=False)
    # family is sensitive: 3 hidden, and 20 with it, or 23 - 20 would give the 3 back;
    # culture's 3 goes too, the only other count of that column.
    assert figure.rows == [["family", None, None, 23], ["culture", None, 20, 23]]
