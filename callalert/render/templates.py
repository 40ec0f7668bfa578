"""Notification templates: `alertmanager/templates/*.tmpl`: the built-in ones the spec enables,
and the user's own files copied byte for byte."""

from __future__ import annotations

from callalert.model import Model
from callalert.model.builtin_templates import builtin_templates


def render(model: Model) -> dict[str, str]:
    files = {f"alertmanager/templates/{name}": text for name, text in builtin_templates(model).items()}
    for tf in model.templates.files:
        files[f"alertmanager/templates/{tf.name}"] = tf.text
    return files
