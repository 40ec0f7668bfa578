"""Problems found in a spec or config, and the reporters that print them.

A problem is greppable: ``path:line:col: level: message [rule-id]`` (1-based, yamllint's
parsable format), and its message starts with the key path it is about (``alerts[2].for``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")
LEVEL_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

KeyPath = tuple[str | int, ...]


def format_key(path: KeyPath) -> str:
    """('groups', 0, 'alerts', 2, 'for') -> 'groups[0].alerts[2].for'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    level: Level
    message: str
    rule: str
    key: str = ""
    fix: str | None = field(default=None, compare=False)

    def format(self) -> str:
        where = f"{self.key}: " if self.key else ""
        text = f"{self.path}:{self.line}:{self.col}: {self.level}: {where}{self.message} [{self.rule}]"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col,
            "level": self.level,
            "rule": self.rule,
            "message": (f"{self.key}: " if self.key else "") + self.message,
            "fix": self.fix,
        }


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean "x"?)' or '' — appended to messages about unknown names."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.rule, p.message))


def has_errors(problems: Sequence[Problem], fail_on: Level = "error") -> bool:
    threshold = LEVEL_RANK[fail_on]
    return any(LEVEL_RANK[p.level] >= threshold for p in problems)


def render_text(problems: Sequence[Problem]) -> str:
    return "".join(p.format() + "\n" for p in problems)


def render_json(problems: Sequence[Problem]) -> str:
    return json.dumps([p.as_json() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(problems: Sequence[Problem]) -> str:
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for p in problems:
        msg = (f"{p.key}: " if p.key else "") + p.message
        if p.fix:
            msg += f"\nfix: {p.fix}"
        lines.append(
            f"::{kind[p.level]} file={_gh_escape(p.path, True)},line={p.line},col={p.col},"
            f"title={_gh_escape(p.rule, True)}::{_gh_escape(msg)}"
        )
    return "".join(line + "\n" for line in lines)


def summary(problems: Sequence[Problem]) -> str:
    counts = {lvl: sum(1 for p in problems if p.level == lvl) for lvl in LEVELS}
    parts = [f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items() if n]
    return ", ".join(parts) if parts else "no problems"
