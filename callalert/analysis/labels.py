"""Prometheus' label names: the one definition of which names are valid, classic or UTF-8."""

from __future__ import annotations

import re

# model.LabelNameRE before UTF-8 names (Prometheus < 3.0, Alertmanager's classic matchers)
_CLASSIC = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# a lone surrogate: the only Python text that is not valid UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_valid_label_name(name: str, utf8: bool = False) -> bool:
    """A classic label name ([a-zA-Z_][a-zA-Z0-9_]*), or with `utf8` any non-empty valid UTF-8 text
    (model.LabelName.IsValid under UTF-8 validation; Alertmanager's compat.IsValidLabelName outside
    classic mode)."""
    if utf8:
        return name != "" and (name.isascii() or _SURROGATE.search(name) is None)
    return _CLASSIC.fullmatch(name) is not None
