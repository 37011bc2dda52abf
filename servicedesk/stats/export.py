"""Figures as CSV, and not-understood messages as Rasa NLU candidate examples."""

from __future__ import annotations

import csv
import io
from typing import Callable, Dict, List

import yaml

from servicedesk.stats.figures import Figure
from servicedesk.texts import LANGUAGES


def figure_csv(figure: Figure, header: Callable[[str], str]) -> str:
    """The figure's table as CSV (suppressed cells empty), headers in the reader's language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(column) for column in figure.columns])
    for row in figure.rows:
        writer.writerow(["" if value is None else _csv_safe(value) for value in row])
    return buffer.getvalue()


def _csv_safe(value: object) -> object:
    """Text starting like a formula is quoted so that spreadsheets do not run it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Literal(str):
    """A block of examples written as a YAML literal block (`|`)."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def nlu_candidates(figure: Figure) -> str:
    """Rasa 3 NLU YAML: one placeholder intent per language with the masked examples.

    The intent names are placeholders: an editor moves each example to its real intent
    (data/nlu/<lang>/) or drops it, then retrains.
    """
    by_language: Dict[str, List[str]] = {}
    columns = figure.columns
    for row in figure.rows:
        message = str(row[columns.index("message")]).replace("\n", " ").strip()
        language = str(row[columns.index("language")]) or "unknown"
        if message:
            by_language.setdefault(language, []).append(message)
    nlu = [{"intent": f"candidate_{language}",
            "examples": _Literal("".join(f"- {example}\n" for example in examples))}
           for language, examples in sorted(by_language.items(),
                                            key=lambda item: _language_order(item[0]))]
    header = ("# Candidate training examples: messages the assistant did not understand,\n"
              "# most frequent first, personal data masked (<name>, <phone>, <email>,\n"
              "# <id_code>). Move each to its intent in data/nlu/<lang>/ or drop it.\n")
    return header + yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_Dumper,
                              allow_unicode=True, sort_keys=False, width=1000)


def _language_order(language: str) -> int:
    return LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES)
