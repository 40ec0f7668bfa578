"""What a render needs besides the model (secret handling), and the function that renders all."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from callalert.diagnostics import KeyPath, Problem
from callalert.errors import CallalertError

import re

SecretMode = Literal["ref", "env"]
_SECRET_KEYS = (
    "api_url|auth_password|auth_secret|service_key|routing_key|password|credentials|bearer_token|"
    "webhook_url|api_key|smtp_auth_password|smtp_auth_secret|slack_api_url|opsgenie_api_key|"
    "bot_token|token|user_key|api_secret|secret_key"
)
_SECRET_LINE = re.compile(rf"^([ +\-]*(?:- )?(?:{_SECRET_KEYS}): )(?!<redacted>).+$", re.M)
REDACTED = "<redacted>"


class RenderFailed(CallalertError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) prevent rendering")
        self.problems = problems


@dataclass
class RenderContext:
    """`secrets="ref"` renders secret references as Alertmanager `*_file` fields and refuses
    `env` references; `secrets="env"` resolves `env` references into the file (which is then
    written mode 0600) and remembers every value so diffs and logs can redact it."""

    secrets: SecretMode = "ref"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    secret_values: set[str] = field(default_factory=set)
    secret_fields: set[str] = field(default_factory=set)  # field names that got an inline secret (e.g. webhook `url`)
    pending: list[tuple[KeyPath, str, str]] = field(default_factory=list)  # (key, message, rule)
    problem: Callable[..., Problem] | None = None  # positions problems in the spec (Merged.problem)

    def fail_if_pending(self) -> None:
        if not self.pending:
            return
        from callalert.diagnostics import format_key

        problems = [
            self.problem(key, msg, rule) if self.problem else Problem("<spec>", 1, 1, "error", msg, rule, format_key(key))
            for key, msg, rule in self.pending
        ]
        self.pending.clear()
        raise RenderFailed(problems)

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


def render_all(resolved: object, ctx: RenderContext) -> dict[str, str]:
    """Every output file, by path relative to the output directory."""
    from callalert.render import alertmanager, prometheus, promtool_tests as tests, runbooks, templates
    from callalert.model.resolve import Resolved

    assert isinstance(resolved, Resolved)
    files: dict[str, str] = {}
    files.update(prometheus.render(resolved))
    files.update(alertmanager.render(resolved, ctx))
    files.update(templates.render(resolved))
    files.update(runbooks.render(resolved))
    files.update(tests.render(resolved))
    return dict(sorted(files.items()))
