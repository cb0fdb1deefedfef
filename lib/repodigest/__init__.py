"""repodigest: a day of commits, scored and explained, as a notebook-rendered report."""

from .errors import PartialReportError, RepodigestError, SourceError, UserError
from .lazy import lazy_exports

__version__ = "0.1.0"
# Loaded on first use: `import repodigest` stays cheap, so the daily notebook can start the chart
# browser before pandas and plotly are imported.
_LAZY = {"Settings": "config", "load_settings": "config", "Digest": "digest", "build_digest": "digest",
         "COLUMNS": "frame", "describe_columns": "frame", "read_frame": "frame"}
__all__ = ["PartialReportError", "RepodigestError", "SourceError", "UserError", *_LAZY]

__getattr__ = lazy_exports(__name__, _LAZY, globals())
