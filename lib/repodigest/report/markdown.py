"""Render the report context to Markdown with the Jinja2 templates in ``templates/``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import jinja2

from ..templating import folder_environment
from . import text

TEMPLATES = Path(__file__).with_name("templates")


def title_cell(title: str, pr_number: int | None = None, pr_url: str | None = None) -> str:
    """A commit title for the commit table, its ``(#N)`` linked to the pull request when known."""
    out = text.cell(title)
    url = text.safe_url(pr_url)
    if pr_number and url:
        marker = f"(#{pr_number})"
        at = out.rfind(marker)
        if at >= 0:
            out = f"{out[:at]}([#{pr_number}]({url})){out[at + len(marker) :]}"
    return out


@lru_cache(maxsize=4)
def environment(template_dir: str = str(TEMPLATES)) -> jinja2.Environment:
    """The Jinja2 environment with the Markdown-safety filters registered (its compiled templates kept:
    :mod:`repodigest.templating`)."""
    env = folder_environment(template_dir, autoescape=False, trim=True, keep_trailing_newline=True)
    env.filters.update(
        inline=text.inline,
        cell=text.cell,
        code=text.code,
        link_text=text.link_text,
        block=text.block,
        item=text.item,
        url=text.safe_url,
        toc_title=text.shorten,
        title_cell=title_cell,
    )
    return env


def render_markdown(
    context: Mapping, template: str = "report.md.j2", template_dir: str | None = None, part: str | None = None
) -> str:
    """Render ``context`` (see :mod:`repodigest.report.context`) to the report's Markdown; ``part``
    ("head", "repos" or "tail") renders that part alone (the template says what each holds)."""
    env = environment(template_dir or str(TEMPLATES))
    out = env.get_template(template).render(L=context["strings"], part=part, **context)
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"
