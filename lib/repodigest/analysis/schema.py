"""The shape of a model's analysis of one commit, and how much of it each level needs.

The fields mirror the report's entry (see ``report-format.md`` and
``repodigest.report.context.build_entry``). How much the model must write follows the commit's
heuristic level:

- ``high``: every field (change type detail, summary, scope, the five insight dimensions,
  risks, advice, closing sentence);
- ``medium``: change type detail, summary, scope, advice, closing sentence;
- ``low``: change type detail and a one-line summary.

Every level also carries the model's own ``importance`` and a one-line ``importance_reason``
(blended with the heuristic level by :mod:`repodigest.scoring.blend`).

:func:`schema_for` gives the pydantic model of a level: it is sent as the JSON schema
(``response_format``) and it validates the answer. Its checks (non-empty required text, no
half-written items) live in validators, not in JSON-schema keywords, so that the schema stays
within what strict structured-output servers accept.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["high", "medium", "low"]
DIMENSIONS = ("architecture", "performance", "security", "maintainability", "compatibility")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Insight(_Model):
    """Technical insight, one sentence or two per dimension; null when there is nothing to say."""

    architecture: str | None = Field(None, description="effect on the design and structure")
    performance: str | None = Field(None, description="effect on speed, memory, throughput")
    security: str | None = Field(None, description="security considerations")
    maintainability: str | None = Field(None, description="effect on readability and upkeep")
    compatibility: str | None = Field(None, description="effect on APIs, configs, users, backends")


class Risk(_Model):
    title: str = Field(description="short name of the risk")
    details: list[str] = Field(description="one or two concrete explanations")

    @model_validator(mode="before")
    @classmethod
    def _details_optional(cls, data):
        # Required in the schema (strict servers reject "default"), tolerated when a lax server omits it.
        if isinstance(data, dict) and "details" not in data:
            data = {**data, "details": []}
        return data

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("risk title is empty")
        return value


class Advice(_Model):
    title: str = Field(description="short name of the suggestion")
    text: str = Field(description="what to do, one or two sentences")

    @field_validator("title", "text")
    @classmethod
    def _nonempty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("advice title and text must not be empty")
        return value


def _nonempty_items(items: list[str], name: str) -> list[str]:
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise ValueError(f"{name} must have at least one non-empty item")
    return items


class LowAnalysis(_Model):
    """A low-importance commit: what kind of change it is and one line saying what it does."""

    change_type_detail: str = Field(description="the kind of change, with a few words of detail")
    importance: Level = Field(description="your judgement of the commit's importance")
    importance_reason: str = Field(description="one line: why that importance")
    summary: list[str] = Field(description="exactly one sentence saying what the commit does")

    @field_validator("change_type_detail", "importance_reason")
    @classmethod
    def _line(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: list[str]) -> list[str]:
        return _nonempty_items(value, "summary")


class MediumAnalysis(LowAnalysis):
    """A medium-importance commit: summary, scope, advice and a closing sentence."""

    summary: list[str] = Field(description="one to three points saying what changed and why")
    scope: list[str] = Field(description="the modules, features or users affected, one item each")
    advice: list[Advice] = Field(description="one to three things reviewers or users should watch")
    closing: str = Field(description="one closing sentence")

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: list[str]) -> list[str]:
        return _nonempty_items(value, "scope")

    @field_validator("advice")
    @classmethod
    def _advice(cls, value: list[Advice]) -> list[Advice]:
        if not value:
            raise ValueError("advice must have at least one item")
        return value

    @field_validator("closing")
    @classmethod
    def _closing(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("closing must not be empty")
        return value


class Analysis(MediumAnalysis):
    """A high-importance commit: every field of the report's full entry."""

    summary: list[str] = Field(description="three to six numbered points: what changed, how, why")
    insight: Insight = Field(description="technical insight per dimension")
    risks: list[Risk] = Field(description="one to four concrete risks")

    @model_validator(mode="after")
    def _full(self) -> "Analysis":
        if not any(getattr(self.insight, d) for d in DIMENSIONS):
            raise ValueError("insight must say something for at least one dimension")
        if not self.risks:
            raise ValueError("risks must have at least one item")
        return self


HighAnalysis = Analysis
_BY_LEVEL: dict[str, type[LowAnalysis]] = {"high": Analysis, "medium": MediumAnalysis, "low": LowAnalysis}


def schema_for(level: str) -> type[LowAnalysis]:
    """The pydantic model (and so the JSON schema) a commit of heuristic ``level`` is answered with."""
    try:
        return _BY_LEVEL[level]
    except KeyError:
        raise ValueError(f"unknown level {level!r}: use high, medium or low") from None


def level_of(model: type[LowAnalysis] | LowAnalysis) -> str:
    """The level whose schema ``model`` (a class or an instance) is."""
    cls = model if isinstance(model, type) else type(model)
    for level, candidate in _BY_LEVEL.items():
        if cls is candidate:
            return level
    raise ValueError(f"not an analysis model: {cls!r}")


def validate_analysis(data: dict | str, level: str) -> LowAnalysis:
    """Validate a decoded answer (dict) or a JSON text against the schema of ``level``.

    Raises pydantic's ``ValidationError`` when a field the level needs is missing or empty.
    """
    model = schema_for(level)
    if isinstance(data, str):
        return model.model_validate_json(data)
    return model.model_validate(data)


def to_entry_dict(analysis: LowAnalysis, coverage_text: str | None = None) -> dict:
    """The analysis in the shape ``report.context.build_entry`` consumes (plus a few extra keys)."""
    level = level_of(analysis)
    summary = list(analysis.summary)
    if level == "low":
        summary = [" ".join(" ".join(summary).split())]  # one line, whatever the model wrote
    entry = {
        "change_type_detail": analysis.change_type_detail,
        "summary": summary,
        "scope": [],
        "insight": {},
        "risks": [],
        "advice": [],
        "closing": "",
        "coverage": coverage_text or "",
        # extra keys: the model's own judgement and how much detail was asked for
        "importance": analysis.importance,
        "importance_reason": analysis.importance_reason,
        "detail_level": level,
    }
    if isinstance(analysis, MediumAnalysis):
        entry.update(scope=list(analysis.scope),
                     advice=[{"title": a.title, "text": a.text} for a in analysis.advice],
                     closing=analysis.closing)
    if isinstance(analysis, Analysis):
        entry.update(insight={d: getattr(analysis.insight, d) for d in DIMENSIONS},
                     risks=[{"title": r.title, "details": list(r.details)} for r in analysis.risks])
    return entry
