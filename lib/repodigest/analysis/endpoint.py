"""The client and the endpoint: which model, whether an analysis can run, the openai client, what an
endpoint (base URL and model) accepts as learned from earlier requests, and a failed request's error
as one line."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from ..config import LLMConfig
from ..textcut import one_line, truncate
from .pushback import Pushback

DEFAULT_MODEL = "gpt-4o-mini"
MODES = ("json_schema", "json_object", "text")
THINKING_ROOM_MAX = 16000  # output tokens added, at most, for the thought of a model that reasons first


# ----------------------------------------------------------------------------------------------
# Client, model, availability


def resolve_model(cfg: LLMConfig) -> str:
    return cfg.model or os.environ.get("OPENAI_MODEL") or DEFAULT_MODEL


def llm_available(cfg: LLMConfig) -> tuple[bool, str]:
    """Whether an analysis can run, and why not (or which model it will use)."""
    if not cfg.enabled:
        return False, "LLM analysis is disabled in the config"
    if not os.environ.get("OPENAI_API_KEY"):
        return False, "OPENAI_API_KEY is not set"
    return True, f"model {resolve_model(cfg)}"


def make_client(cfg: LLMConfig, *, pushback: Pushback | None = None):
    """An ``openai.OpenAI`` client from the environment (the key never leaves it but for the header);
    with ``pushback``, every request and answer goes through it (rate limits: :mod:`.pushback`)."""
    import openai

    http_client = None
    if pushback is not None:
        http_client = openai.DefaultHttpxClient(
            event_hooks={"request": [pushback.on_request], "response": [pushback.on_response]}
        )
        pushback.watching = True
    return openai.OpenAI(
        api_key=os.environ["OPENAI_API_KEY"],
        base_url=os.environ.get("OPENAI_BASE_URL"),
        timeout=cfg.timeout,
        max_retries=cfg.max_retries,
        http_client=http_client,
    )


@dataclass
class EndpointState:
    """What this endpoint accepts, learned from earlier requests."""

    mode_index: int = 0
    token_param: str = "max_tokens"
    thinking: int = 0  # the longest thought (tokens) an answer spent before answering: room in the output limit
    lock: threading.Lock = field(default_factory=threading.Lock)

    def thought(self, tokens: int) -> None:
        with self.lock:
            self.thinking = min(THINKING_ROOM_MAX, max(self.thinking, tokens))

    def demote(self, index: int) -> None:
        with self.lock:
            if self.mode_index <= index < len(MODES) - 1:
                self.mode_index = index + 1


_STATES: dict[tuple[str, str], EndpointState] = {}
_STATES_LOCK = threading.Lock()


def endpoint_state(base_url: str, model: str) -> EndpointState:
    """The remembered modes of (base URL, model), shared by every client of that endpoint."""
    with _STATES_LOCK:
        return _STATES.setdefault((base_url.rstrip("/"), model), EndpointState())


# ----------------------------------------------------------------------------------------------
# Errors


def error_line(text: str, secret: str | None = None, limit: int = 200) -> str:
    """An error message as one line of at most ``limit`` characters, with ``secret`` (the API key) redacted."""
    text = one_line(str(text))
    if secret:
        text = text.replace(secret, "***")
    return truncate(text, limit - 1)


def status_error(exc) -> str:
    """``HTTP 429: <the server's message>`` from an ``openai.APIStatusError``."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        message = inner.get("message") if isinstance(inner, dict) else None
    if not message:
        message = str(getattr(exc, "message", "") or exc)
        message = message.split(" - ", 1)[1] if message.startswith("Error code:") and " - " in message else message
    return f"HTTP {exc.status_code}: {message}"
