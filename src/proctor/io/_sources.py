"""Everything a rollout produced, as named sources: fenced blocks, file tags, files, tool calls.

Real policies rarely answer with one clean block. They write a helper block, a
``<file path="conftest.py">`` tag, a shell block, and end with the solution; an
agent writes files and runs commands through tool calls. `rollout_sources`
turns all of it into one ordered list of `Source` so that detectors can read
every piece and `choose_program` can pick the one that is graded.

The program rule (documented in docs/formats.md): among the Python sources
(python/py/untagged fenced blocks, ``.py`` file tags and files, Python tool
calls), the **last one that defines the entry point** is the program; when none
does, the last Python block (the old rule); when there is no block at all, the
whole completion.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from proctor.io._syntax import parse_module
from proctor.records import Rollout

SourceKind = Literal["code", "block", "file", "command", "text"]

PYTHON_LANGS = frozenset({"", "python", "py", "python3", "py3", "ipython", "pycon"})
SHELL_LANGS = frozenset({"bash", "sh", "shell", "console", "zsh", "terminal"})

# ```lang [title]\n body ``` (an unterminated last block runs to the end of the text:
# a response cut at the length limit still carries its code)
_FENCE = re.compile(
    r"(?P<tick>`{3,}|~{3,})[ \t]*(?P<lang>[A-Za-z0-9_+.-]*)(?P<info>[^\n`]*)\r?\n"
    r"(?P<body>.*?)(?:(?P=tick)|\Z)",
    re.DOTALL | re.MULTILINE,
)
# <file path="conftest.py"> ... </file>, also name=/filename=, single quotes or none
_FILE_TAG = re.compile(
    r"<(?P<tag>file|write_file|create_file)\b[^>]*?\b(?:path|name|filename|file_path)\s*=\s*"
    r"(?:\"(?P<q2>[^\"]*)\"|'(?P<q1>[^']*)'|(?P<q0>[^\s>]+))[^>]*>\r?\n?(?P<body>.*?)"
    r"(?:</(?P=tag)\s*>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_PATHLIKE = r"[\w./-]+\.(?:py|ini|cfg|toml|txt|json|pth|sh|yaml|yml)"
_TITLE = re.compile(rf"(?:^|\s)(?:title|file|path|filename)?=?[\"']?(?P<path>{_PATHLIKE})")
_FIRST_LINE_PATH = re.compile(rf"^\s*#\s*(?:file(?:name)?:\s*)?(?P<path>{_PATHLIKE})\s*$")
_LEAD_PATH = re.compile(rf"[`*\"']?(?P<path>{_PATHLIKE})[`*\"']?\s*:?\s*\**\s*$")
_HEREDOC = re.compile(
    r"(?:cat|tee)\s*(?:>>?|-a)?\s*(?P<path>[\w./-]+)\s*<<-?\s*['\"]?(?P<tag>\w+)['\"]?[^\n]*\n"
    r"(?P<body>.*?)(?:\n(?P=tag)\s*(?:\n|$)|\Z)",
    re.DOTALL,
)
_ECHO = re.compile(
    r"(?:echo|printf)\s+(?P<q>['\"])(?P<body>.*?)(?P=q)\s*>>?\s*(?P<path>[\w./-]+)", re.DOTALL
)
_WRITE_TOOLS = ("write", "create", "save", "edit", "str_replace", "file", "patch", "append")
_RUN_TOOLS = ("bash", "shell", "exec", "run", "terminal", "command", "cmd", "sh")


@dataclass(frozen=True)
class Source:
    """One piece of what the policy produced."""

    name: str
    """How evidence names it: ``block 2``, ``conftest.py``, ``message 3 tool call 1``."""
    text: str
    kind: SourceKind
    lang: str = ""
    """Fence language (lower case), ``python`` for ``.py`` files, ``shell`` for commands."""
    path: str | None = None
    """The file path, for file tags, files and files written by tool calls."""

    @property
    def is_python(self) -> bool:
        if self.kind in ("code",):
            return True
        if self.kind == "command":
            return False
        if self.path is not None:
            return self.path.endswith(".py")
        return self.lang in PYTHON_LANGS

    @property
    def is_shell(self) -> bool:
        return self.kind == "command" or self.lang in SHELL_LANGS


def _path_of(match: re.Match[str]) -> str:
    return match.group("q2") or match.group("q1") or match.group("q0") or ""


def _strip_fence(body: str) -> str:
    """A file tag whose content is itself a fenced block: the block's body."""
    m = _FENCE.search(body)
    if m and not body[: m.start()].strip():
        return m.group("body")
    return body


def extract_sources(text: str, prefix: str = "") -> list[Source]:
    """Every fenced block and ``<file path=...>`` tag of ``text``, in order of appearance.

    Blocks are named ``block 1``, ``block 2``... (``prefix`` is put before: ``message
    3 block 1``); a file tag, or a block whose info string, first-line comment or
    preceding line names a file (```` ```python conftest.py ````, ``# conftest.py``,
    ``**conftest.py**:``), is named by its path. Files written by heredocs in shell
    blocks (``cat > conftest.py <<EOF``) are added as files too.
    """
    found: list[tuple[int, Source]] = []
    masked = list(text)
    for m in _FILE_TAG.finditer(text):
        path = _path_of(m).strip()
        body = _strip_fence(m.group("body"))
        found.append(
            (
                m.start(),
                Source(
                    path or f"{prefix}file tag", body, "file", _lang_of_path(path), path or None
                ),
            )
        )
        masked[m.start() : m.end()] = " " * (m.end() - m.start())
    rest = "".join(masked)
    for n, m in enumerate(_FENCE.finditer(rest), start=1):
        lang = m.group("lang").lower()
        body = m.group("body")
        block_path = _block_path(m.group("info"), body, rest[: m.start()])
        name = f"{prefix}block {n}" + (f" ({block_path})" if block_path else "")
        if block_path:
            found.append(
                (m.start(), Source(name, body, "file", _lang_of_path(block_path), block_path))
            )
        else:
            found.append((m.start(), Source(name, body, "block", lang)))
        if lang in SHELL_LANGS:
            found.extend((m.start(), s) for s in shell_files(body, name))
    found.sort(key=lambda item: item[0])
    return [s for _, s in found]


def _lang_of_path(path: str) -> str:
    return "python" if path.endswith(".py") else path.rsplit(".", 1)[-1].lower()


def _block_path(info: str, body: str, before: str) -> str | None:
    m = _TITLE.search(info or "")
    if m:
        return m.group("path")
    first = body.split("\n", 1)[0]
    m = _FIRST_LINE_PATH.match(first)
    if m:
        return m.group("path")
    lead = before.rstrip("\n").rsplit("\n", 1)[-1]
    m = _LEAD_PATH.search(lead) if len(lead) < 120 else None
    return m.group("path") if m else None


def shell_files(command: str, name: str) -> list[Source]:
    """Files a shell command writes with a heredoc or ``echo ... > path``."""
    out = [
        Source(
            f"{name}: {m.group('path')}",
            m.group("body"),
            "file",
            _lang_of_path(m.group("path")),
            m.group("path"),
        )
        for m in _HEREDOC.finditer(command)
    ]
    out += [
        Source(
            f"{name}: {m.group('path')}",
            m.group("body"),
            "file",
            _lang_of_path(m.group("path")),
            m.group("path"),
        )
        for m in _ECHO.finditer(command)
    ]
    return out


def content_text(content: Any) -> str:
    """The text of an OpenAI-style message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            content_text(p.get("text", "")) if isinstance(p, dict) else content_text(p)
            for p in content
        )
    return ""


def tool_arguments(call: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The tool name and its decoded arguments (a JSON string or an object)."""
    inner = call.get("function")
    fn: dict[str, Any] = inner if isinstance(inner, dict) else call
    name = str(fn.get("name") or "")
    args = fn.get("arguments", fn.get("args", fn.get("input", {})))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            args = {"command": args}
    return name, args if isinstance(args, dict) else {}


def _first(args: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = args.get(key)
        if isinstance(value, str):
            return value
    return None


def tool_call_sources(call: dict[str, Any], name: str) -> list[Source]:
    """What one tool call writes or runs: a file, a command, or Python code."""
    tool, args = tool_arguments(call)
    low = tool.lower()
    path = _first(args, "path", "file_path", "filename", "file", "target")
    content = _first(args, "content", "contents", "file_text", "text", "new_str", "data", "body")
    if path and content is not None and (any(w in low for w in _WRITE_TOOLS) or not low):
        return [Source(f"{name}: {path}", content, "file", _lang_of_path(path), path)]
    code = _first(args, "code", "python", "source")
    if code is not None and ("python" in low or "code" in low or "exec" in low):
        return [Source(name, code, "block", "python")]
    command = _first(args, "command", "cmd", "script", "commands")
    if command is None and isinstance(args.get("command"), list):
        command = shlex.join(str(a) for a in args["command"])
    if command is not None:
        return [Source(name, command, "command", "shell"), *shell_files(command, name)]
    if path and content is not None:
        return [Source(f"{name}: {path}", content, "file", _lang_of_path(path), path)]
    return []


def message_sources(messages: Iterable[dict[str, Any]]) -> list[Source]:
    """Blocks in assistant messages, and the files and commands of their tool calls.

    Tool results and user/system messages are the environment's words: left out.
    """
    out: list[Source] = []
    for i, message in enumerate(messages):
        if message.get("role") not in ("assistant", None):
            continue
        text = content_text(message.get("content"))
        if text:
            out += extract_sources(text, prefix=f"message {i} ")
        for j, call in enumerate(message.get("tool_calls") or []):
            if isinstance(call, dict):
                out += tool_call_sources(call, f"message {i} tool call {j + 1}")
    return out


def rollout_sources(rollout: Rollout) -> list[Source]:
    """Every source of ``rollout``: ``code``, the completion's blocks and tags, the
    ``messages``' blocks and tool calls, then the ``files`` (in that order)."""
    out: list[Source] = []
    if rollout.code is not None:
        out.append(Source("code", rollout.code, "code", "python"))
    if rollout.completion:
        blocks = extract_sources(rollout.completion)
        out += blocks or (
            []
            if rollout.code is not None
            else [Source("completion", rollout.completion, "text", "")]
        )
    if rollout.messages:
        out += message_sources(rollout.messages)
    for path, content in (rollout.files or {}).items():
        out.append(Source(path, content, "file", _lang_of_path(path), path))
    return out


def defines(code: str, name: str) -> bool:
    """Does ``code`` define ``name`` at top level (a def, a class or an assignment)?

    Code that does not parse is read line by line: ``def name(`` at the start of a
    line counts, so a garbled solution is still recognised as the answer.
    """
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return re.search(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M) is not None
    return any(
        (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        )
        or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        )
        for node in tree.body
    )


def choose_program(sources: list[Source], entry_point: str | None) -> Source | None:
    """The source that gets graded (see the module docstring for the rule)."""
    for source in sources:
        if source.kind == "code":
            return source
    python = [s for s in sources if s.is_python and s.kind in ("block", "file")]
    if entry_point:
        defining = [s for s in python if defines(s.text, entry_point)]
        if defining:
            return defining[-1]
    blocks = [s for s in python if s.kind == "block" and s.lang in PYTHON_LANGS]
    if blocks:
        return blocks[-1]
    if python:
        return python[-1]
    text = [s for s in sources if s.kind == "text"]
    return text[0] if text else None


__all__ = [
    "PYTHON_LANGS",
    "SHELL_LANGS",
    "Source",
    "SourceKind",
    "choose_program",
    "content_text",
    "defines",
    "extract_sources",
    "message_sources",
    "rollout_sources",
    "shell_files",
    "tool_arguments",
    "tool_call_sources",
]
