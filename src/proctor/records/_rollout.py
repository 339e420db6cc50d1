"""The `Rollout` record: one sampled completion from a training run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proctor.records._grade import FORMAT_VERSION

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function", "ipython"})
"""Message roles accepted in `Rollout.messages` (OpenAI chat roles, plus ``ipython``)."""
MAX_PATH = 4096


class Rollout(BaseModel):
    """One completion of one prompt, as the trainer produced it.

    One of ``completion`` (raw model text: the code is extracted from fenced
    blocks and ``<file>`` tags, or the text is taken whole), ``code`` (already
    extracted), ``messages`` (a chat with tool calls) or ``files`` is needed.
    """

    model_config = ConfigDict(
        use_attribute_docstrings=True, extra="forbid", coerce_numbers_to_str=True
    )

    id: str = Field(min_length=1)
    """Unique rollout id."""
    task_id: str = Field(min_length=1)
    """The task this rollout answers."""
    completion: str | None = None
    """Raw model output."""
    code: str | None = None
    """Extracted program; when absent it is derived from ``completion``."""
    step: int | None = Field(default=None, ge=0)
    """Training step that produced the rollout."""
    group: str | None = None
    """GRPO group id: rollouts that share a prompt in one step."""
    prompt: str | None = None
    """The prompt as the trainer sent it (may include a chat template)."""
    reward: float | None = None
    """The reward the trainer used, when known."""
    transcript: list[dict[str, Any]] | None = None
    """Optional agent actions (commands, file reads and writes, messages)."""
    files: dict[str, str] | None = None
    """Files the policy produced, path → content (``conftest.py``, helper modules,
    ``pytest.ini``): relative paths without ``..``; detectors read every one."""
    messages: list[dict[str, Any]] | None = None
    """The conversation as an OpenAI-style chat list: ``role`` (system, user,
    assistant, tool...), ``content`` (text or a list of parts), assistant
    ``tool_calls`` (``{"function": {"name", "arguments"}}``) and tool results."""
    meta: dict[str, Any] = Field(default_factory=dict)
    """Free metadata, carried through untouched."""
    format_version: int = FORMAT_VERSION
    """The record format (`proctor.records.FORMAT_VERSION`); rollouts written without it
    read as version 1."""

    @model_validator(mode="after")
    def _has_code(self) -> Rollout:
        if self.completion is None and self.code is None and not self.messages and not self.files:
            raise ValueError("a rollout needs `completion`, `code`, `messages` or `files`")
        return self

    @field_validator("files")
    @classmethod
    def _check_files(cls, files: dict[str, str] | None) -> dict[str, str] | None:
        for path in files or {}:
            parts = path.replace("\\", "/").split("/")
            if (
                not path
                or "\0" in path
                or path.startswith(("/", "\\"))
                or ".." in parts
                or len(path) > MAX_PATH
            ):
                raise ValueError(
                    f"file path {path!r} must be relative, without '..', "
                    f"at most {MAX_PATH} characters"
                )
        return files

    @field_validator("messages")
    @classmethod
    def _check_messages(cls, messages: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        for i, message in enumerate(messages or []):
            role = message.get("role")
            if role not in ROLES:
                raise ValueError(f"message {i}: role {role!r} is not one of {sorted(ROLES)}")
            content = message.get("content")
            if content is not None and not isinstance(content, str | list):
                raise ValueError(f"message {i}: content must be text, a list of parts or null")
            calls = message.get("tool_calls")
            if calls is None:
                continue
            if not isinstance(calls, list):
                raise ValueError(f"message {i}: tool_calls must be a list")
            for j, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                    raise ValueError(
                        f"message {i}: tool call {j} needs "
                        "{'function': {'name': ..., 'arguments': ...}}"
                    )
                if not isinstance(fn.get("arguments", ""), str | dict):
                    raise ValueError(
                        f"message {i}: tool call {j}: arguments must be a JSON string or an object"
                    )
        return messages
