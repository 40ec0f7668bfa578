"""What a render needs besides the model: how secrets are written, and what they were."""

from __future__ import annotations

import json
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
_SECRET_KEY_SET = frozenset(_SECRET_KEYS.split("|"))
_SECRET_LINE = re.compile(rf"^([ +\-]*(?:- )?(?:{_SECRET_KEYS}): )(?!<redacted>).+$", re.M)
REDACTED = "<redacted>"
# Output files that can hold inline secrets (render --secrets=env): alertmanager.yml, and Mimir's
# tenant configuration in both shapes (Mimir takes secrets only as values)
MIMIR_CONFIG = "mimir/alertmanager/alertmanager.yml"
MIMIR_TENANT = "mimir/alertmanager-tenant.yaml"
SECRET_FILES = ("alertmanager/alertmanager.yml", MIMIR_CONFIG, MIMIR_TENANT)
# A line of a multi-line secret shorter than this is too common to hide everywhere
_MIN_SECRET_LINE = 4
# Fields of alertmanager.yml whose value may be a secret written inline: the secret options of
# every receiver and of `global`, a webhook's `url` (its path or query may carry a token) and
# credential headers.
_URL_KEYS = frozenset({"url"})
_CREDENTIAL_HEADER = re.compile(r"authorization|token|secret|password|api[-_]?key|cookie", re.I)


def redact_config(text: str) -> str:
    """alertmanager.yml with every secret value replaced by <redacted>, re-dumped (its leading
    comment lines kept); text that is not YAML is not shown at all."""
    import yaml

    from callalert.render.yamlout import dump

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return "# (not valid YAML: not shown, it may hold secrets)\n"
    head = "".join(line for line in text.splitlines(keepends=True)[:5] if line.startswith("#"))
    stack: list[object] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                name = str(key)
                if isinstance(value, dict | list):
                    if name == "headers" and isinstance(value, dict):
                        for header in list(value):
                            if _CREDENTIAL_HEADER.search(str(header)) and value[header] is not None:
                                value[header] = REDACTED
                    stack.append(value)
                elif name == "alertmanager_config" and isinstance(value, str):
                    node[key] = redact_config(value)  # Mimir's tenant configuration: alertmanager.yml as a string
                elif value is not None and (name in _SECRET_KEY_SET or name in _URL_KEYS):
                    node[key] = REDACTED
        elif isinstance(node, list):
            stack.extend(node)
    return head + (dump(data) if data is not None else "")


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
        """Hide secrets in text shown to people (diffs, tool output, logs): every value resolved
        in this render, in each form a tool may quote it (as is, line by line, JSON/Go-escaped),
        and the value of every Alertmanager secret field (a file on disk may hold an older value
        this render never saw; over-redacting beats leaking)."""
        forms = self._secret_forms()
        if forms:  # one pass: a short secret must not match inside a <redacted> already written
            text = re.sub("|".join(map(re.escape, forms)), REDACTED, text)
        text = _SECRET_LINE.sub(lambda m: m.group(1) + REDACTED, text)
        extra = sorted(self.secret_fields - _SECRET_KEY_SET)
        if extra:
            # e.g. a webhook `url` from {env: ...}: every value of that field is hidden
            pattern = re.compile(rf"^([ +\-]*(?:- )?(?:{'|'.join(map(re.escape, extra))}): )(?!<redacted>).+$", re.M)
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def redact_file(self, rel: str, text: str) -> str:
        """A rendered (or on-disk) output file as a diff may show it. Files that can hold secrets
        are redacted by structure, not by line: every value of a secret field, whatever YAML style
        holds it (a multi-line block scalar too), whatever render wrote it."""
        if rel in SECRET_FILES:
            text = redact_config(text)
        return self.redact(text)

    def _secret_forms(self) -> list[str]:
        forms: set[str] = set()
        for value in self.secret_values:
            forms.add(value)
            forms.add(json.dumps(value, ensure_ascii=False)[1:-1])  # Go's %q and JSON quote it like this
            forms.add(json.dumps(value)[1:-1])
            forms.update(line.strip() for line in value.splitlines())
        # a "secret" of a few characters would be found in every word: fields still hide it (above)
        return sorted((f for f in forms if len(f) >= _MIN_SECRET_LINE), key=len, reverse=True)

    @property
    def has_inline_secrets(self) -> bool:
        return bool(self.secret_values)
