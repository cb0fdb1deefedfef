"""repodigest: a day of commits, scored and explained, as a notebook-rendered report."""

from importlib import import_module

from .errors import PartialReportError, RepodigestError, SourceError, UserError

__version__ = "0.1.0"
# Loaded on first use: `import repodigest` stays cheap, so the daily notebook can start the chart
# browser before pandas and plotly are imported.
_LAZY = {"Settings": "config", "load_settings": "config", "Digest": "digest", "build_digest": "digest",
         "COLUMNS": "frame", "describe_columns": "frame", "read_frame": "frame"}
__all__ = ["PartialReportError", "RepodigestError", "SourceError", "UserError", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'repodigest' has no attribute {name!r}")
