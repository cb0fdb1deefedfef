"""The run's settings: a TOML config file, overridden by notebook/CLI parameters."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import UserError
from .window import machine_tz, resolve_tz

LANGS = ("zh", "en")
_OWNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")


def locale_lang() -> Literal["zh", "en"]:
    """The report language the locale asks for: ``zh`` when the first of ``$LANGUAGE``, ``$LC_ALL``,
    ``$LC_MESSAGES`` and ``$LANG`` that is set (gettext's order) names Chinese, else ``en``."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").split(":")[0].strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaRule(_Strict):
    """Files matching ``pattern`` (a glob over the repository path) belong to ``area``."""

    pattern: str  # a glob over the path in the repository (fnmatch: * crosses /); a folder matches all below it
    area: str  # the area's name, as the report shows it


class RepoConfig(_Strict):
    """One followed repository: a GitHub ``owner/name`` or a local path."""

    spec: str  # a GitHub owner/name, or the path of a local clone (relative to the config file's folder)
    branch: str | None = None  # the branch to read; default: the clone's HEAD, GitHub's default branch
    name: str | None = None  # display name; default: owner/name or the directory name
    areas: tuple[AreaRule, ...] = ()  # area rules, first match wins; other files take their area from the path
    ignore_authors: tuple[str, ...] = ()  # author names or logins left out of the report (any case)
    mirror: bool = False  # GitHub only: read a bare clone kept under the cache dir
    pr_context: bool | None = None  # pull-request lookups for this repository; None: [github] pr_context
    label_points: dict[str, float] = {}  # PR label -> points, merged over heuristic.LABEL_POINTS (any case)


class GitHubConfig(_Strict):
    api_url: str | None = None  # default: $GITHUB_API_URL, else https://api.github.com
    concurrency: int = Field(8, ge=1, le=64)  # requests at once (commit details, REST pull-request lookups)
    timeout: float = Field(30.0, gt=0)  # seconds for one request
    max_rate_limit_wait: float = Field(60.0, ge=0)  # seconds PyGithub may sleep for a reset
    pr_context: bool = True  # look up each report commit's pull request (needs GITHUB_TOKEN)


class LLMConfig(_Strict):
    model: str | None = None  # default: $OPENAI_MODEL, else gpt-4o-mini
    concurrency: int = Field(8, ge=1, le=64)  # requests at once
    timeout: float = Field(120.0, gt=0)  # seconds for one request
    max_retries: int = Field(2, ge=0, le=10)  # the openai client's retries of a failed request (429, 5xx, network)
    patience: float = Field(300.0, ge=0)  # seconds a run may wait, in all, on rate limits (429, Retry-After)
    diff_token_budget: int = Field(6000, ge=0)  # tokens of diff (and pull-request text) a prompt holds, estimated
    enabled: bool = True  # false: no analysis even with OPENAI_API_KEY set
    overview: bool = True  # one request per report words the overview's headline and highlights
    # USD per million tokens, keyed by model name: {"gpt-4o-mini": {"input": 0.15, "output": 0.6}}
    prices: dict[str, dict[str, float]] = {}


class ScoringConfig(_Strict):
    """How levels are decided, and the evidence shown for them (repositories read from a clone or mirror)."""

    risk_model: Literal["rules", "learned"] = "rules"  # "learned": a model fitted on the repository's history
    track_record: bool = True  # the report's line on how past levels held (later fixed or reverted)
    observation_days: int = Field(90, ge=7, le=730)  # days after a commit in which a fix or revert counts
    evidence_days: int = Field(365, ge=30, le=3650)  # history the learned model is trained and tested on


class ChartsConfig(_Strict):
    top_authors: int = Field(12, ge=1, le=200)  # authors drawn in the author charts; the rest fold into "others"
    bots: Literal["apart", "hide", "show"] = "apart"  # bots in the author charts: a group apart, left out, or ranked
    images: bool = True  # export PNGs for the Markdown report


class DeliveryConfig(_Strict):
    """Post the day's summary to a chat webhook. URLs and signing keys are read from the environment."""

    kind: Literal["slack", "feishu", "webhook"]  # webhook: any URL, a plain JSON document
    url_env: str  # name of the environment variable holding the webhook URL (it is a secret)
    secret_env: str | None = None  # Feishu/Lark signing key, by name
    report_url: str | None = None  # where the published report.html lives, {folder} is replaced
    retries: int = Field(3, ge=1, le=10)  # attempts for 5xx answers, 429 and network errors; a 4xx ends at once
    timeout: float = Field(10.0, gt=0)  # seconds for one attempt


class Settings(_Strict):
    """Everything a run needs, after the config file and the parameters are merged."""

    repos: tuple[RepoConfig, ...] = ()  # the followed repositories, in the report's order; none: the current checkout
    # IANA time zone: a report date is a calendar day there; default: the machine's ($TZ, else the system's)
    tz: str = Field(default_factory=machine_tz)
    # the language of the report, the overview, the charts and the prompts; default: zh for a Chinese locale, else en
    lang: Literal["zh", "en"] = Field(default_factory=locale_lang)
    window_days: int = Field(14, ge=1, le=366)  # days of history loaded: the report's days and the trend days before
    cache_dir: str | None = None  # default: $REPODIGEST_CACHE_DIR, else ~/.cache/repodigest
    github: GitHubConfig = GitHubConfig()
    llm: LLMConfig = LLMConfig()
    scoring: ScoringConfig = ScoringConfig()
    charts: ChartsConfig = ChartsConfig()
    delivery: tuple[DeliveryConfig, ...] = ()  # chat channels that get the day's summary
    base_dir: str = "."  # where relative repository paths in the config are resolved

    @field_validator("repos", mode="before")
    @classmethod
    def _repo_strings(cls, value):
        # A bare string is the common case: repos = ["sgl-project/sglang", "../ruff"]
        if isinstance(value, (list, tuple)):
            return [{"spec": v} if isinstance(v, str) else v for v in value]
        return value


def _format_validation(err: ValidationError, where: str) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return f"{where}: {loc}: {first['msg']}"


_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def github_token() -> str:
    """``$GITHUB_TOKEN`` (stripped), or "" when it is not set: the only place a GitHub token comes from."""
    return os.environ.get("GITHUB_TOKEN", "").strip()


def load_settings(
    config: str | os.PathLike | None = None,
    *,
    repos: str | Sequence[str] | None = None,
    tz: str | None = None,
    lang: str | None = None,
    window_days: int | None = None,
) -> Settings:
    """Read the TOML ``config`` (optional) and apply the options that are not None on top."""
    listed = [repos] if isinstance(repos, str) else list(repos or ())
    overrides = {"repos": listed or None, "tz": tz, "lang": lang, "window_days": window_days}
    data: dict = {}
    if config:
        path = Path(config).expanduser()
        if not path.is_file():
            raise UserError(f"config file not found: {path}")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"config file {path} is not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise UserError(f"config file {path} is not UTF-8 text") from None
        data.setdefault("base_dir", str(path.resolve().parent))
    data.update((key, value) for key, value in overrides.items() if value is not None)
    images = os.environ.get("REPODIGEST_CHART_IMAGES", "").strip().lower()
    if images and "images" not in data.get("charts", {}):  # the config's own choice wins
        if images not in _FLAGS:
            raise UserError(f"REPODIGEST_CHART_IMAGES={images!r}: use 1 or 0")
        data["charts"] = {**data.get("charts", {}), "images": _FLAGS[images]}
    if "lang" in data and data["lang"] not in LANGS:
        raise UserError(f"unknown language {data['lang']!r}: use one of {', '.join(LANGS)}")
    if "tz" in data:
        resolve_tz(data["tz"])  # an unknown or empty name is an error, never the default
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise UserError(_format_validation(exc, str(config) if config else "settings")) from None


def repo_kind(spec: str, base_dir: str | os.PathLike = ".") -> tuple[str, str]:
    """Classify a repository spec: ("local", absolute path) or ("github", "owner/name")."""
    text = str(spec).strip()
    if not text:
        raise UserError(f"repository {spec!r} is empty: give a path or a GitHub 'owner/name'")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(base_dir) / path
    try:
        exists = path.exists()
    except PermissionError:  # a folder on the way cannot be traversed
        raise UserError(f"permission denied: {path}") from None
    if exists:
        if not path.is_dir():
            raise UserError(f"repository path {text!r} is a file, not a directory")
        return "local", str(path.resolve())
    if _OWNER_NAME.match(text) and not text.startswith((".", "/")):
        return "github", text
    raise UserError(f"repository {text!r} is neither an existing path nor a GitHub 'owner/name'")
