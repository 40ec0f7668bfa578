"""What a render needs besides the model: how secrets are written, and what they were."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Level, Problem, Rule, format_key
from callalert.errors import ProblemsFound

SecretMode = Literal["ref", "env"]
_SECRET_KEYS = (
    "api_url|auth_password|auth_secret|service_key|routing_key|password|credentials|bearer_token|"
    "webhook_url|api_key|smtp_auth_password|smtp_auth_secret|slack_api_url|opsgenie_api_key|"
    "bot_token|token|user_key|api_secret|secret_key"
)
_SECRET_LINE = re.compile(rf"^([ +\-]*(?:- )?(?:{_SECRET_KEYS}): )(?!<redacted>).+$", re.M)
REDACTED = "<redacted>"


@dataclass
class RenderContext:
    """`secrets="ref"` renders secret references as Alertmanager `*_file` fields and refuses
    `env` references; `secrets="env"` resolves `env` references into the file (which is then
    written mode 0600) and remembers every value so diffs and logs can redact it."""

    secrets: SecretMode = "ref"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    secret_values: set[str] = field(default_factory=set)
    secret_fields: set[str] = field(default_factory=set)  # field names that got an inline secret (e.g. webhook `url`)
    failures: list[tuple[KeyPath, str, Rule, Level]] = field(default_factory=list)
    problem: Callable[..., Problem] | None = None  # positions problems in the spec (Merged.problem)
    warnings: list[Problem] = field(default_factory=list)  # reported, but the render goes on

    def fail(self, key: KeyPath, message: str, rule: Rule = d.SECRET_ENV, level: Level | None = None) -> None:
        """Report a problem at `key` of the spec; errors stop the render at the next `raise_if_failed`."""
        self.failures.append((key, message, rule, level or rule.level))

    def _position(self, key: KeyPath, message: str, rule: Rule, level: Level) -> Problem:
        if self.problem:
            return self.problem(key, message, rule, level=level)
        return d.problem("<spec>", 1, 1, message, rule, level=level, key=format_key(key))

    def raise_if_failed(self) -> None:
        if not self.failures:
            return
        problems = d.sort_problems(self._position(key, msg, rule, level) for key, msg, rule, level in self.failures)
        self.failures.clear()
        errors = [p for p in problems if p.level == "error"]
        self.warnings.extend(p for p in problems if p.level != "error")
        if errors:
            raise ProblemsFound(problems, "nothing written")

    def redact(self, text: str) -> str:
        """Hide secrets in text shown to people (diffs, logs): every value resolved in this
        render, and — because a file on disk may hold an older value this render never saw —
        the value of every Alertmanager secret field."""
        for value in sorted(self.secret_values, key=len, reverse=True):
            if value:
                text = text.replace(value, REDACTED)
        if self.secret_values:
            text = _SECRET_LINE.sub(lambda m: m.group(1) + REDACTED, text)
            extra = sorted(self.secret_fields - set(_SECRET_KEYS.split("|")))
            if extra:
                # e.g. a webhook `url` from {env: ...}: an older value on disk is unknown to this
                # render, so every value of that field is hidden (over-redacting beats leaking)
                pattern = re.compile(rf"^([ +\-]*(?:- )?(?:{'|'.join(map(re.escape, extra))}): )(?!<redacted>).+$", re.M)
                text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    @property
    def has_inline_secrets(self) -> bool:
        return bool(self.secret_values)
