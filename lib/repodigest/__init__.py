"""repodigest: a day of commits, scored and explained, as a notebook-rendered report."""

from .errors import PartialReportError, RepodigestError, SourceError, UserError
from .lazy import lazy_exports

__version__ = "0.1.0"
# Loaded on first use: `import repodigest` stays cheap (no pandas, no plotly) until a name is asked for.
_LAZY = {
    "Settings": "config",
    "load_settings": "config",
    "Digest": "pipeline",
    "build_digest": "pipeline",
    "daily_report": "daily",
    "COLUMNS": "frame",
    "FILE_COLUMNS": "frame",
    "describe_columns": "frame",
    "read_frame": "frame",
    "write_frame": "frame",
    "Level": "levels",
    "LEVELS": "levels",
}
__all__ = ["PartialReportError", "RepodigestError", "SourceError", "UserError", *_LAZY]

__getattr__ = lazy_exports(__name__, _LAZY, globals())
