"""The report: a context built from the DataFrame, rendered by templates to Markdown.

Names load on first use, so that a module of the package (anchors, text) imports without pandas."""

from ..lazy import lazy_exports

_LAZY = {"build_context": "context", "render_markdown": "markdown"}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
