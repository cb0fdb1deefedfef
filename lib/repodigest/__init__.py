"""repodigest: a day of commits, scored and explained, as a notebook-rendered report."""

from .config import Settings, load_settings
from .digest import Digest, build_digest
from .errors import PartialReportError, RepodigestError, SourceError, UserError
from .frame import COLUMNS, describe_columns, read_frame

__version__ = "0.1.0"
__all__ = ["COLUMNS", "Digest", "PartialReportError", "RepodigestError", "Settings", "SourceError", "UserError",
           "build_digest", "describe_columns", "load_settings", "read_frame"]
