"""Every text of the contact form, and every topic it offers, exists in fi, sv and en."""

from __future__ import annotations

import yaml

from servicedesk.webform import routes


def test_every_form_text_exists_in_all_three_languages() -> None:
    texts = yaml.safe_load(routes.TEXTS_FILE.read_text(encoding="utf-8"))
    for key, entry in texts.items():
        assert {k for k, v in entry.items() if v and v.strip()} == {"fi", "sv", "en"}, key


def test_every_offered_topic_has_a_title_in_all_three_languages() -> None:
    offered = routes.allowed_topics() - {routes.OTHER}
    assert len(offered) > 20
    for language in ("fi", "sv", "en"):
        titles = [title for _label, options in routes.topic_options(language)
                  for _topic, title in options]
        assert len(titles) == len(offered) and all(t.strip() for t in titles)
