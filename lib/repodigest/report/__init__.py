"""The report: a context built from the DataFrame, rendered by templates to Markdown."""

from .context import build_context
from .markdown import render_markdown

__all__ = ["build_context", "render_markdown"]
