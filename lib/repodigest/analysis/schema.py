"""The shape of a model's analysis of one commit, and how much of it each level needs.

The fields mirror the sections of the report's entry (repodigest.report.context):

==================  =====================================================  ==============
field               what the model writes                                  asked at
==================  =====================================================  ==============
change_type         the kind of change, a few words ("Performance")        every level
change_type_detail  optional detail, shown in parentheses                  every level
importance          its own level: high, medium or low                     every level
importance_reason   one line: why that importance                          every level
summary             what changed, how and why (low: one sentence)          every level
scope               modules, features or users affected                    medium, high
advice              {title, text}: what reviewers or users should do       medium, high
closing             one closing sentence                                   medium, high
insight             five dimensions, one or two sentences each, or null    high
risks               {title, details}: concrete things that could break     high
==================  =====================================================  ==============

:func:`schema_for` gives the pydantic model a level is asked with: it is sent as the JSON schema,
and it checks that every field the level needs is there and not empty. :func:`completion_schema`
is the model of a follow-up that asks only for the fields an answer still lacks. A model may
write more than it was asked (a lax server, a model with its own view of the commit):
:func:`validate_analysis` keeps every known field it wrote, so that the report shows it. Checks
live in validators, not in JSON-schema keywords, so the schemas stay within what strict
structured-output servers accept.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model

from ..levels import LEVELS, LevelName

DIMENSIONS = ("architecture", "performance", "security", "maintainability", "compatibility")
_BASE = ("change_type", "change_type_detail", "importance", "importance_reason", "summary")
FIELDS_BY_LEVEL = {
    "low": _BASE,
    "medium": (*_BASE, "scope", "advice", "closing"),
    "high": (*_BASE, "scope", "insight", "risks", "advice", "closing"),
}
CONTENT_FIELDS = ("summary", "scope", "insight", "risks", "advice", "closing")


def _joined(value):
    # A lax model answers a text field with a list of points: keep every point, one per line.
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(f"- {v.strip()}" for v in value if v.strip())
    return value


def _listed(value):
    return [value] if isinstance(value, str) else value  # ... and a list field with one text


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _line(value: str) -> str:
    return _text(" ".join(value.split()))


def _items(value: list[str]) -> list[str]:
    items = [i for i in value if i.strip()]
    if not items:
        raise ValueError("must have at least one non-empty item")
    return items


def _some(value: list) -> list:
    if not value:
        raise ValueError("must have at least one item")
    return value


Text = Annotated[str, BeforeValidator(_joined), AfterValidator(_text)]  # may hold line breaks and lists
Line = Annotated[str, BeforeValidator(_joined), AfterValidator(_line)]  # one line
TextList = Annotated[list[Text], BeforeValidator(_listed), AfterValidator(_items)]
Note = Annotated[str | None, BeforeValidator(_joined)]


class Shape(BaseModel):
    """The base of every answer shape: unknown keys ignored, text stripped."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Insight(Shape):
    """Technical insight, one sentence or two per dimension; null when there is nothing to say."""

    architecture: Note = Field(None, description="effect on the design and structure")
    performance: Note = Field(None, description="effect on speed, memory, throughput")
    security: Note = Field(None, description="security considerations")
    maintainability: Note = Field(None, description="effect on readability and upkeep")
    compatibility: Note = Field(None, description="effect on APIs, configs, users, backends")

    def said(self) -> dict[str, str]:
        """The dimensions with something to say."""
        return {d: getattr(self, d) for d in DIMENSIONS if (getattr(self, d) or "").strip()}


def _said(value: Insight) -> Insight:
    if not value.said():
        raise ValueError("insight must say something for at least one dimension")
    return value


def _risk(data):
    if isinstance(data, str):  # a risk written as one sentence is its title
        return {"title": data, "details": []}
    if isinstance(data, dict):
        details = data.get("details", [])  # required in the schema, tolerated missing from a lax server
        return {**data, "details": [details] if isinstance(details, str) else details}
    return data


def _advice(data):
    return {"title": data, "text": ""} if isinstance(data, str) else data  # a suggestion with no text


def _filled(value: list[str]) -> list[str]:
    return [v for v in value if v.strip()]


class Risk(Shape):
    title: Line = Field(description="short name of the risk")
    details: Annotated[list[Note], AfterValidator(_filled)] = Field(description="one or two concrete explanations")


class Advice(Shape):
    title: Line = Field(description="short name of the suggestion")
    text: Annotated[str, BeforeValidator(_joined)] = Field(description="what to do, one or two sentences")


RiskItem = Annotated[Risk, BeforeValidator(_risk)]
AdviceItem = Annotated[Advice, BeforeValidator(_advice)]

# name -> (type, description); descriptions are what the model reads in the JSON schema.
_SPECS: dict[str, tuple[Any, str]] = {  # Any: a type form
    "change_type": (Line, "the kind of change in a few words, e.g. 'Performance' or 'Architecture / refactor'"),
    "change_type_detail": (Line | None, "a few words of detail shown in parentheses after the kind, or null"),
    "importance": (LevelName, "your judgement of the commit's importance"),
    "importance_reason": (Line, "one line: why that importance"),
    "summary": (TextList, "one to three points: what changed, how and why"),
    "scope": (TextList, "the modules, features or users affected, one item each"),
    "insight": (Annotated[Insight, AfterValidator(_said)], "technical insight per dimension"),
    "risks": (Annotated[list[RiskItem], BeforeValidator(_listed), AfterValidator(_some)], "one to four concrete risks"),
    "advice": (
        Annotated[list[AdviceItem], BeforeValidator(_listed), AfterValidator(_some)],
        "one to four things reviewers or users should do",
    ),
    "closing": (Text, "one closing sentence"),
}
_SUMMARY = {
    "low": "exactly one sentence saying what the commit does",
    "high": "three to six points: what changed, how and why",
}


def _model(name: str, fields: tuple[str, ...], summary: str | None = None) -> type[Shape]:
    specs: dict[str, Any] = {}  # field name -> (type, FieldInfo)
    for field in fields:
        kind, description = _SPECS[field]
        required = None if field == "change_type_detail" else ...
        specs[field] = (kind, Field(required, description=summary if field == "summary" and summary else description))
    return create_model(name, __base__=Shape, **specs)


LowAnalysis = _model("LowAnalysis", FIELDS_BY_LEVEL["low"], _SUMMARY["low"])
MediumAnalysis = _model("MediumAnalysis", FIELDS_BY_LEVEL["medium"])
HighAnalysis = _model("HighAnalysis", FIELDS_BY_LEVEL["high"], _SUMMARY["high"])
_BY_LEVEL: dict[str, type[Shape]] = {"low": LowAnalysis, "medium": MediumAnalysis, "high": HighAnalysis}


class Analysis(Shape):
    """Everything the model wrote about one commit, at whatever depth; what a level needs is
    checked by that level's schema when the answer is read."""

    change_type: str
    change_type_detail: str | None = None
    importance: LevelName
    importance_reason: str
    summary: list[str]
    scope: list[str] = []
    insight: Insight | None = None
    risks: list[Risk] = []
    advice: list[Advice] = []
    closing: str | None = None

    def has(self, field: str) -> bool:
        """The model wrote ``field`` with some content."""
        value = getattr(self, field)
        return bool(value.said()) if isinstance(value, Insight) else bool(value)

    def depth(self) -> str:
        """The highest level whose content fields are all here."""
        return next(level for level in LEVELS if not self.missing(level))

    def missing(self, level: str) -> tuple[str, ...]:
        """The content fields ``level`` needs that are not here."""
        return tuple(f for f in FIELDS_BY_LEVEL[level] if f in CONTENT_FIELDS and not self.has(f))

    def completed(self, completion: dict) -> Analysis:
        """This analysis with the fields of a follow-up answer added (what it already has stays)."""
        added = {k: v for k, v in completion.items() if k in CONTENT_FIELDS and not self.has(k)}
        return Analysis.model_validate({**self.model_dump(), **added})


def schema_for(level: str) -> type[Shape]:
    """The pydantic model (and so the JSON schema) a commit of the rules' ``level`` is asked with."""
    try:
        return _BY_LEVEL[level]
    except KeyError:
        raise ValueError(f"unknown level {level!r}: use high, medium or low") from None


@cache
def completion_schema(fields: tuple[str, ...]) -> type[Shape]:
    """The model of a follow-up answer that holds exactly ``fields`` (content fields only)."""
    if not fields or any(f not in CONTENT_FIELDS for f in fields):
        raise ValueError(f"a follow-up asks for content fields only, not {fields!r}")
    return _model("Completion", fields, _SUMMARY["high"])


def _read(data: dict | str, model: type[Shape]) -> dict:
    """The fields ``model`` asks for (raises when one is missing or empty), plus every other known
    field the answer holds that reads well; an unreadable extra is left out."""
    if isinstance(data, str):
        data = json.loads(data)
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    if "change_type" not in data and isinstance(data.get("change_type_detail"), str):
        # a lax server's answer with the kind in change_type_detail alone: that is the type
        data = {**data, "change_type": data["change_type_detail"], "change_type_detail": None}
    fields = model.model_validate(data).model_dump()
    for name, value in data.items():
        if name in _SPECS and name not in fields and value is not None:
            try:
                fields.update(
                    completion_schema((name,)).model_validate({name: value}).model_dump()
                    if name in CONTENT_FIELDS
                    else {}
                )
            except ValidationError:
                continue
    return fields


def validate_analysis(data: dict | str, level: str) -> Analysis:
    """Read a decoded answer (dict) or a JSON text asked with the schema of ``level``.

    Raises pydantic's ``ValidationError`` when a field the level needs is missing or empty.
    """
    return Analysis.model_validate(_read(data, schema_for(level)))


def validate_completion(data: dict | str, fields: tuple[str, ...]) -> dict:
    """Read a follow-up answer that was asked for ``fields``; raises like :func:`validate_analysis`."""
    return {k: v for k, v in _read(data, completion_schema(fields)).items() if k in CONTENT_FIELDS}


def to_entry_dict(analysis: Analysis, coverage_text: str | None = None) -> dict:
    """The analysis as the report's context reads it (``report.context.build_entry``), JSON-ready for the cache."""
    data = analysis.model_dump()
    data["insight"] = analysis.insight.model_dump() if analysis.insight and analysis.insight.said() else {}
    data["closing"] = analysis.closing or ""
    data.update(coverage=coverage_text or "", detail_level=analysis.depth())
    return data
