"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benchmarks.

``POST /v1/chat/completions`` answers like the OpenAI API (``choices``, ``finish_reason``,
``usage``); ``GET /v1/models`` lists one model. The answer is a JSON analysis built from the
request: from the ``response_format`` JSON schema when there is one, else from a JSON schema found
in the prompt (a fenced ```json block), else a full analysis; its text repeats the numbers of the
prompt's data line (``files=N added=N deleted=N``) so that tests can check them.

Modes (``mode``, or ``script``: one mode per request, in order, then ``mode``):

- ``schema``      honours ``response_format`` (pure JSON)
- ``ignore``      ignores it: prose around a fenced JSON block (like some vLLM / llama.cpp / Ollama)
- ``reject``      HTTP 400 when ``response_format`` is ``json_schema`` (json_object and text work)
- ``reject_all``  HTTP 400 for any ``response_format`` (only plain text works)
- ``invalid``     not JSON at all
- ``incomplete``  valid JSON without the required fields
- ``length``      ``finish_reason: "length"`` with the JSON cut in half; with ``min_tokens``, only
                  when the request's max_tokens / max_completion_tokens is below it
- ``new_params``  HTTP 400 for ``max_tokens`` (like OpenAI's reasoning models): wants ``max_completion_tokens``
- ``429``         HTTP 429 with ``retry-after`` (``retry_after`` seconds) and, when set, ``retry-after-ms``
                  (``retry_after_ms``)
- ``500``         HTTP 500; ``500_echo`` also echoes the Authorization header in the error text
- ``slow``        like ``schema`` after ``delay`` seconds (``delay`` applies to every mode)
- ``recorded``    like ``schema``, answering with the recorded answer of the commit (see below)

Rate limits (``throttle=N``): whatever the mode, every N-th chat request (the 2nd, 4th, ... for 2) is
answered like ``429``, as a busy server does to a low-tier key.

Reasoning models (``think``): the answer comes after a thought that drafts it first (every string of
the draft starts with ``DRAFT``, its importance differs), the way a model that thinks aloud answers:

- ``tags``    ``<think>`` thought ``</think>`` then the answer, in the content (DeepSeek-R1, QwQ served
              by vLLM, SGLang or Ollama without a reasoning parser)
- ``open``    the thought then ``</think>`` (Qwen3's and R1's chat templates open the tag in the prompt)
- ``field``   the thought in ``message.reasoning_content``, counted in ``usage.completion_tokens_details
              .reasoning_tokens`` (vLLM, SGLang with a reasoning parser; DeepSeek's API)
- ``ollama``  the thought in ``message.reasoning`` (Ollama, OpenRouter)
- ``mixed``   one of the four per commit (by its title), so one day's answers take every shape

The output limit (``max_tokens`` / ``max_completion_tokens``) covers thought and answer: a request whose
limit is below both ends in ``finish_reason: "length"`` inside the thought, which never closes.
``thinking=N`` makes every thought at least N tokens long (a model that deliberates).

Recorded answers (``answers``: commit title -> answer dict, e.g. ``realistic_day.load_answers("zh")``):
the commit is found by its title (the first line of the prompt's untrusted commit message); an
unknown title is an HTTP 500 naming it. With ``strict=True`` the server behaves like one that
enforces the JSON schema: it returns only the top-level properties of the requested schema
(``response_format`` json_schema, else a ```json schema block in the prompt) that the recording
has, so a property the recording lacks is missing, as from a model that skipped it. With
``strict=False`` it returns the whole recording whatever was asked (json_object / text servers,
lax models). Given ``answers``, every other mode serves the recording too (``ignore`` wraps it in
prose, ``length`` cuts it ...). :attr:`asked` lists, per chat request, the title and the schema's
property names (None without a schema), so tests can check what a follow-up request asked for.

The day's overview (one request per report, its prompt holds the ``OVERVIEW_FACTS`` block) is
answered with ``overview`` (a recorded answer, e.g. ``realistic_day.load_overview("zh")``; projected
on the schema like a commit's when ``strict``), else with one built from the facts (the data's
headline, each highlight's first title); it is recorded in :attr:`asked` with the title
``OVERVIEW``. ``overview_mode``, when set, is the mode of overview requests (``"500"``: the overview
fails, the commits' analyses do not); otherwise they take their turn in ``script`` like any request.

A rollup's wording (one request per repository, its prompt holds the ``ROLLUP_FACTS`` block) is answered
with ``rollups[<the facts' period>]`` (a recorded answer, e.g. ``realistic_week.load_rollup("en")``;
projected like the overview's), else with one built from the facts (the data's headline, each thread's
first title); it is recorded in :attr:`asked` with the title ``ROLLUP``, and ``overview_mode`` applies
to it too.

Token usage: ``prompt_tokens`` is the prompt's characters / 4; ``completion_tokens`` counts one
token per CJK character and one per 4 other characters, so Chinese answers cost what they would.

It counts requests and records their bodies and headers (:attr:`requests`; for a chat request also
``inflight``, the requests in flight when it arrived, itself included, ``at`` and ``status``), and the
largest number of requests in flight at once (:attr:`max_inflight`).

Usage::

    with OpenAIServer(mode="schema", delay=0.3) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler

from .loopback import LoopbackServer

_FACTS = re.compile(r"files=(\d+) added=(\d+) deleted=(\d+)")
_LEVEL = re.compile(r"rules_level=(high|medium|low)")
_TITLE = re.compile(r"<<<BEGIN_UNTRUSTED_COMMIT_MESSAGE [0-9a-f]+>>>\n([^\n]*)")
_SCHEMA_BLOCK = re.compile(r"```json\n(.*?)\n```", re.DOTALL)
_FACTS_BLOCK = re.compile(
    r"<<<BEGIN_UNTRUSTED_(OVERVIEW|ROLLUP)_FACTS [0-9a-f]+>>>\n(.*?)\n<<<END_UNTRUSTED_\1_FACTS", re.DOTALL
)
OVERVIEW = "(overview)"  # the title asked[] records for the overview request
ROLLUP = "(rollup)"  # ... and for a rollup's request (one per repository)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class OpenAIServer(LoopbackServer):
    def __init__(
        self,
        mode: str = "schema",
        *,
        delay: float = 0.0,
        importance: str | None = None,
        script: list[str] | None = None,
        min_tokens: int | None = None,
        retry_after: str = "0.05",
        retry_after_ms: str | None = None,
        throttle: int = 0,
        think: str | None = None,
        thinking: int = 0,
        model: str = "test-model",
        answers: dict[str, dict] | None = None,
        strict: bool = True,
        overview: dict | None = None,
        overview_mode: str | None = None,
        rollups: dict[str, dict] | None = None,
    ):
        if mode == "recorded" and answers is None:
            raise ValueError("mode 'recorded' needs answers (commit title -> answer dict)")
        self.mode = mode
        self.delay = delay if mode != "slow" or delay else 1.0
        self.importance = importance
        self.script = list(script or [])
        self.min_tokens = min_tokens
        self.retry_after = retry_after
        self.retry_after_ms = retry_after_ms
        self.throttle = throttle
        if think not in (None, *THINK_SHAPES, "mixed"):
            raise ValueError(f"unknown think shape {think!r}")
        self.think = think
        self.thinking = thinking
        self._chats = 0  # chat requests received, for ``throttle``
        self.model = model
        self.answers = answers
        self.strict = strict
        self.overview = overview
        self.overview_mode = overview_mode
        self.rollups = rollups or {}
        self.asked: list[dict] = []  # per chat request: {"title", "fields"}
        self.requests: list[dict] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        super().__init__()

    # -- lifecycle -------------------------------------------------------------------------
    thread_name = "openai-test-server"

    def handler_class(self):
        server = self

        class Handler(_Handler):
            owner = server

        return Handler

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def count(self) -> int:
        """Chat-completion requests received."""
        return sum(1 for r in self.requests if r["path"].endswith("/chat/completions"))

    def reset(self, mode: str | None = None, script: list[str] | None = None) -> None:
        with self._lock:
            self.requests.clear()
            self.asked.clear()
            self.max_inflight = 0
            self._chats = 0
            if mode is not None:
                self.mode = mode
            if script is not None:
                self.script = list(script)

    # -- answers -----------------------------------------------------------------------------
    def _next_mode(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else self.mode

    @staticmethod
    def prompt_text(body: dict) -> str:
        parts = []
        for m in body.get("messages") or []:
            content = m.get("content")
            if isinstance(content, list):
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            parts.append(content or "")
        return "\n".join(parts)

    def facts(self, body: dict) -> dict:
        text = self.prompt_text(body)
        m = _FACTS.search(text)
        level = _LEVEL.search(text)
        title = _TITLE.search(text)
        return {
            "files": int(m.group(1)) if m else 0,
            "added": int(m.group(2)) if m else 0,
            "deleted": int(m.group(3)) if m else 0,
            "level": level.group(1) if level else "medium",
            "title": title.group(1).strip() if title else "the commit",
        }

    def requested_schema(self, body: dict) -> dict | None:
        """The JSON schema the request asks for: ``response_format``'s, else one in the prompt, else None."""
        rf = body.get("response_format") or {}
        if rf.get("type") == "json_schema":
            schema = (rf.get("json_schema") or {}).get("schema")
            if schema is not None:
                return schema
        for block in _SCHEMA_BLOCK.findall(self.prompt_text(body)):
            try:
                candidate = json.loads(block)
            except ValueError:
                continue
            if isinstance(candidate, dict) and "properties" in candidate:
                return candidate
        return None

    def analysis(self, body: dict) -> dict:
        """The JSON answer for ``body``: shaped by its schema, with the prompt's numbers in it."""
        facts = self.facts(body)
        schema = self.requested_schema(body) or _FULL
        return _gen(schema, schema, "", facts, self.importance or facts["level"])

    def recorded(self, body: dict) -> dict | None:
        """The recorded answer of the prompt's commit (projected on the schema when ``strict``); None if unknown."""
        answer = (self.answers or {}).get(self.facts(body)["title"])
        if answer is None:
            return None
        schema = self.requested_schema(body)
        if not self.strict or schema is None:
            return dict(answer)
        return {key: answer[key] for key in schema.get("properties") or {} if key in answer}

    def overview_answer(self, body: dict, facts_text: str) -> dict:
        """The overview's answer: the recorded one (projected on the schema when strict), else one
        built from the facts in the prompt."""
        if self.overview is not None:
            schema = self.requested_schema(body)
            if not self.strict or schema is None:
                return dict(self.overview)
            return {key: self.overview[key] for key in schema.get("properties") or {} if key in self.overview}
        facts = json.loads(facts_text)
        return {
            "headline": facts["data_headline"],
            "highlights": [{"id": h["id"], "line": h["commits"][0]["title"]} for h in facts["highlights"]],
        }

    def rollup_answer(self, body: dict, facts_text: str) -> dict:
        """A rollup's answer: the one recorded for the facts' period (projected on the schema when strict),
        else one built from the facts."""
        facts = json.loads(facts_text)
        recorded = self.rollups.get(facts["period"])
        if recorded is not None:
            schema = self.requested_schema(body)
            if not self.strict or schema is None:
                return dict(recorded)
            return {key: recorded[key] for key in schema.get("properties") or {} if key in recorded}
        return {
            "headline": facts["data_headline"],
            "threads": [{"id": t["id"], "line": t["commits"][0]["title"]} for t in facts["threads"]],
        }

    def think_shape(self, title: str) -> str | None:
        """How the answer to the commit titled ``title`` carries its thought (``think``), or None."""
        if self.think != "mixed":
            return self.think
        return THINK_SHAPES[int(hashlib.sha256(title.encode()).hexdigest(), 16) % len(THINK_SHAPES)]

    def respond(self, body: dict, headers: dict) -> tuple[int, dict, dict]:
        """(status, headers, JSON body) for one chat-completions request."""
        facts_block = _FACTS_BLOCK.search(self.prompt_text(body))
        mode = self.overview_mode if facts_block and self.overview_mode else self._next_mode()
        with self._lock:
            self._chats += 1
            if self.throttle and self._chats % self.throttle == 0:
                mode = "429"
        rf_type = (body.get("response_format") or {}).get("type")
        kind = facts_block.group(1) if facts_block else None
        title = {"OVERVIEW": OVERVIEW, "ROLLUP": ROLLUP}[kind] if kind else self.facts(body)["title"]
        schema = self.requested_schema(body)
        with self._lock:
            self.asked.append({"title": title, "fields": list(schema.get("properties") or {}) if schema else None})
        if mode == "429":
            waits = {"retry-after": self.retry_after}
            if self.retry_after_ms is not None:
                waits["retry-after-ms"] = self.retry_after_ms
            return 429, waits, _error("Rate limit reached, retry later", "rate_limit_exceeded")
        if mode in ("500", "500_echo"):
            text = "The server had an error while processing your request."
            if mode == "500_echo":
                text += f" (request headers: Authorization={headers.get('authorization', '')})"
            return 500, {}, _error(text, "server_error")
        if mode == "new_params" and "max_tokens" in body:
            return (
                400,
                {},
                _error(
                    "Unsupported parameter: 'max_tokens' is not supported with this model. "
                    "Use 'max_completion_tokens' instead.",
                    "invalid_request_error",
                    param="max_tokens",
                ),
            )
        if mode == "reject" and rf_type == "json_schema" or mode == "reject_all" and rf_type:
            return (
                400,
                {},
                _error(
                    f"response_format type {rf_type!r} is not supported by this server",
                    "invalid_request_error",
                    param="response_format",
                ),
            )
        if kind == "ROLLUP":
            obj = self.rollup_answer(body, facts_block.group(2))
        elif facts_block:
            obj = self.overview_answer(body, facts_block.group(2))
        elif self.answers is None:
            obj = self.analysis(body)
        else:
            obj = self.recorded(body)
            if obj is None:
                return 500, {}, _error(f"no recorded answer for the commit titled {title!r}", "server_error")
        content = json.dumps(obj, ensure_ascii=False)
        finish = "stop"
        if mode == "ignore":
            content = (
                "Sure! Here is my analysis of the commit.\n\n```json\n"
                + json.dumps(obj, ensure_ascii=False, indent=2)
                + "\n```\n\nLet me know if you need anything else."
            )
        elif mode == "invalid":
            content = "I think this commit is important {summary: [unquoted, 'and' broken"
        elif mode == "incomplete":
            content = json.dumps({"summary": obj.get("summary", ["x"])})
        elif mode == "length":
            limit = body.get("max_completion_tokens") or body.get("max_tokens") or 0
            if self.min_tokens is None or limit < self.min_tokens:
                content, finish = content[: max(1, len(content) // 2)], "length"
        message: dict = {"role": "assistant", "content": content, "refusal": None}
        completion_tokens = max(1, _tokens(content))
        details = None
        shape = self.think_shape(title)
        if shape and finish == "stop":
            limit = body.get("max_completion_tokens") or body.get("max_tokens") or 0
            thought = _thought(title, obj, fenced=shape in ("open", "ollama"), at_least=self.thinking)
            spent = _tokens(thought)
            if limit and spent + completion_tokens > limit:  # the limit ran out while thinking
                thought, content, finish, spent, completion_tokens = _prefix(thought, limit), None, "length", limit, 0
            if shape == "tags":
                content = f"<think>\n{thought}" + ("" if content is None else f"\n</think>\n\n{content}")
            elif shape == "open":
                content = thought + ("" if content is None else f"\n</think>\n\n{content}")
            elif shape == "field":
                message["reasoning_content"] = thought
                details = {"reasoning_tokens": spent}
            else:
                message["reasoning"] = thought
            message["content"] = content
            completion_tokens += spent
        prompt_tokens = max(1, len(self.prompt_text(body)) // 4)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if details:
            usage["completion_tokens_details"] = details
        answer = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "logprobs": None,
                    "message": message,
                }
            ],
            "usage": usage,
        }
        return 200, {}, answer


THINK_SHAPES = ("tags", "open", "field", "ollama")
DRAFT = "DRAFT"  # every string of a drafted answer starts with it
_REVISED = {"high": "low", "medium": "low", "low": "high"}


def _draft(value, key: str = ""):
    """A first draft of an answer: the same shape, every string marked, the importance another."""
    if isinstance(value, dict):
        return {k: _draft(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_draft(v, key) for v in value]
    if key == "importance" and value in _REVISED:
        return _REVISED[value]
    if isinstance(value, str):
        return f"{DRAFT} {value}"
    return value


def _thought(title: str, answer: dict, fenced: bool, at_least: int = 0) -> str:
    """What a model thinking aloud writes before its answer: it reads the commit, drafts the JSON, revises
    (and deliberates until the thought holds ``at_least`` tokens)."""
    draft = json.dumps(_draft(answer), ensure_ascii=False, indent=2 if fenced else None)
    if fenced:
        draft = f"```json\n{draft}\n```"
    thought = (
        f'Okay, the user wants a JSON analysis of the commit "{title}". Let me look at the diff first: '
        "which files change, and what the rules said about it.\n\n"
        f"A first draft:\n{draft}\n\n"
        "Hmm, wait. The importance in that draft does not match the diff, and the summary is too vague. "
    )
    pondering = "Let me weigh each changed file against the rules' reasons once more. "
    short = at_least - _tokens(thought)
    if short > 0:
        thought += pondering * -(-short // _tokens(pondering))
    return thought + "Let me check the numbers again and revise before answering."


def _prefix(text: str, tokens: int) -> str:
    """The longest start of ``text`` that counts at most ``tokens`` tokens (:func:`_tokens`)."""
    cost = 0.0
    for i, ch in enumerate(text):
        cost += 1 if _CJK.match(ch) else 0.25
        if cost > tokens:
            return text[:i]
    return text


def _tokens(text: str) -> int:
    """About what a BPE tokenizer counts: one token per CJK character, one per 4 other characters."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk) // 4


def _error(message: str, code: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": code, "param": param, "code": code}}


# A full analysis, for requests that carry no schema at all.
_FULL = {
    "type": "object",
    "properties": {
        "change_type_detail": {"type": "string"},
        "importance": {"enum": ["high", "medium", "low"]},
        "importance_reason": {"type": "string"},
        "summary": {"type": "array", "items": {"type": "string"}},
        "scope": {"type": "array", "items": {"type": "string"}},
        "insight": {
            "type": "object",
            "properties": {
                k: {"type": "string"}
                for k in ("architecture", "performance", "security", "maintainability", "compatibility")
            },
        },
        "risks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "details": {"type": "array", "items": {"type": "string"}}},
            },
        },
        "advice": {
            "type": "array",
            "items": {"type": "object", "properties": {"title": {"type": "string"}, "text": {"type": "string"}}},
        },
        "closing": {"type": "string"},
    },
}


def _resolve(root: dict, node: dict) -> dict:
    seen = 0
    while "$ref" in node and seen < 20:
        ref = node["$ref"]
        target = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        node = target
        seen += 1
    return node


def _text(name: str, facts: dict, index: int = 0) -> str:
    title = facts["title"]
    if name == "summary":
        if index == 0:
            return f"{title}: +{facts['added']}/-{facts['deleted']} lines across {facts['files']} files."
        return "It reworks the code paths named in the diff."
    if name == "importance_reason":
        return f"The rules rated it {facts['level']}, and the change matches that."
    if name == "change_type_detail":
        return f"Change ({title})"
    return f"{name.replace('_', ' ').capitalize()} of {title}."


def _gen(node: dict, root: dict, name: str, facts: dict, importance: str, index: int = 0):
    node = _resolve(root, node)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if _resolve(root, o).get("type") != "null"]
        node = _resolve(root, options[0]) if options else {"type": "null"}
    if "enum" in node:
        if name == "importance" and importance in node["enum"]:
            return importance
        return node["enum"][0]
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in node:
        return {key: _gen(sub, root, key, facts, importance) for key, sub in (node.get("properties") or {}).items()}
    if kind == "array":
        items = node.get("items") or {"type": "string"}
        count = 1 if "exactly one" in (node.get("description") or "") else 2
        return [_gen(items, root, name, facts, importance, i) for i in range(count)]
    if kind == "string":
        return _text(name, facts, index)
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return None


class _Handler(BaseHTTPRequestHandler):
    owner: OpenAIServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one answer, no 40 ms delayed-ACK stalls

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, headers: dict, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        owner = self.owner
        with owner._lock:
            owner.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": None,
                    "mode": None,
                }
            )
        if self.path.rstrip("/").endswith("/models"):
            self._send(
                200, {}, {"object": "list", "data": [{"id": owner.model, "object": "model", "owned_by": "test"}]}
            )
        else:
            self._send(404, {}, _error("Not found", "not_found"))

    def do_POST(self) -> None:  # noqa: N802
        owner = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, {}, _error("body is not JSON", "invalid_request_error"))
            return
        with owner._lock:
            owner.inflight += 1
            owner.max_inflight = max(owner.max_inflight, owner.inflight)
            record = {
                "path": self.path,
                "headers": headers,
                "body": body,
                "raw": raw.decode("utf-8", "replace"),
                "inflight": owner.inflight,
                "at": time.monotonic(),
                "status": None,
            }
            owner.requests.append(record)
        try:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {}, _error("Not found", "not_found"))
                return
            if owner.delay:
                time.sleep(owner.delay)
            status, extra, payload = owner.respond(body, headers)
            record["status"], record["answer"] = status, payload
            self._send(status, extra, payload)
        finally:
            with owner._lock:
                owner.inflight -= 1
