"""Plaintext secrets in an alertmanager.yml (a spec refuses them at validation: plaintext-secret)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from callalert.diagnostics import KeyPath, Problem, Rule
from callalert.lint.engine import LintRule, Options
from callalert.lint.world import World
from callalert.validate.secrets import literal_secret_reason

_CONFIG = """\
global:
  smtp_smarthost: smtp.example.com:587
  smtp_from: alertmanager@example.com
  smtp_auth_username: alertmanager
  {password}
route:
  receiver: ops-mail
receivers:
  - name: ops-mail
    email_configs:
      - to: ops@example.com
"""

AM_PLAINTEXT_SECRET = Rule(
    "am-plaintext-secret",
    "error",
    "secrets",
    "a secret written in plain text in alertmanager.yml",
    "Configs end up in git, tickets and logs; a written secret is a leaked secret.",
    bad=_CONFIG.format(password="smtp_auth_password: 'S3cr3t!'"),
    good=_CONFIG.format(password="smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password"),
)

# Fields whose value is a secret by definition (Alertmanager marks them config.Secret).
SECRET_FIELDS = frozenset(
    {
        "smtp_auth_password",
        "smtp_auth_secret",
        "auth_password",
        "auth_secret",
        "password",
        "bearer_token",
        "credentials",
        "service_key",
        "routing_key",
        "api_key",
        "opsgenie_api_key",
        "victorops_api_key",
        "wechat_api_secret",
        "api_secret",
        "bot_token",
        "token",
        "user_key",
        "secret_key",
        "client_secret",
        "hipchat_auth_token",
        "auth_token",
    }
)
# URL-valued fields that are only secrets when the URL carries a token.
_URL_FIELDS_IF_TOKEN = frozenset({"api_url", "url", "slack_api_url", "webhook_url"})
_PLACEHOLDERS = frozenset({"", "<secret>", "<redacted>"})


def _walk(obj: Any, key: KeyPath) -> Iterator[tuple[KeyPath, str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            name = str(k)
            if isinstance(v, dict | list):
                yield from _walk(v, (*key, name))
            else:
                yield (*key, name), name, v
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, (*key, i))


def _am_plaintext_secret(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or am.from_spec:
        return
    for key, name, value in _walk({k: v for k, v in am.data.items() if k in ("global", "receivers")}, ()):
        if not isinstance(value, str) or value.strip() in _PLACEHOLDERS or "{{" in value:
            continue
        reason = literal_secret_reason(value) if ("url" in name or name in SECRET_FIELDS) else None
        if reason is None and name in _URL_FIELDS_IF_TOKEN:
            # a Slack, Discord or Teams webhook URL is itself the credential
            if name == "slack_api_url" or "slack_configs" in key or name == "webhook_url":
                reason = "a webhook URL (it is the credential)"
            else:
                continue
        if reason is None and name not in SECRET_FIELDS:
            continue
        what = reason or f"the {name} secret"
        yield am.src.problem(
            key,
            f"plaintext secret: {name} is written in the file ({what})"
            if reason
            else f"plaintext secret: {name} is written in the file",
            AM_PLAINTEXT_SECRET,
            fix=f"put the value in a file and write `{name}_file: /etc/alertmanager/secrets/{name.replace('_', '-')}`"
            if name not in ("credentials",)
            else "use `credentials_file: PATH`",
        )


RULES: tuple[LintRule, ...] = (LintRule(AM_PLAINTEXT_SECRET, "alertmanager", _am_plaintext_secret),)
