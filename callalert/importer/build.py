"""What an import builds: the spec as plain data in the order it is written, where each of its
parts came from in the inputs, and the problems met on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Level, Problem, Rule
from callalert.importer.nodes import Origin, Pos, Y


@dataclass
class Secret:
    """A secret of the input: where it goes (the spec's reference) and where it was (never its value in messages)."""

    name: str  # file name in --secrets-dir
    value: str | None  # None: the value is not among the inputs (a Kubernetes Secret that was not given)
    pos: Pos
    where: str  # key path in the input
    what: str  # e.g. "receivers[1].pagerduty_configs[0].routing_key"
    ref: dict[str, str] = field(default_factory=dict)  # {"file": PATH} or {"env": NAME}
    missing: str = ""  # for value None: what to provide


@dataclass
class Built:
    spec: dict[str, Any] = field(default_factory=dict)
    # spec key path -> where it came from in the input: a node's origin and start mark (not the node:
    # the input's node trees need not outlive the build), or a position
    origins: dict[KeyPath, tuple[Origin, Any] | Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)  # severity label values, first seen first
    categories: list[str] = field(default_factory=list)
    text_alert_names: bool = False  # an alert name is not an identifier: defaults.alert_names: text
    templates: dict[str, tuple[str, Pos]] = field(default_factory=dict)  # output file name -> (text, where it came from)
    template_sources: dict[str, str] = field(default_factory=dict)  # output file name -> input path or key
    raised: dict[str, tuple[str, str, Pos]] = field(default_factory=dict)  # product -> (version, why, where)

    def at(self, key: KeyPath, y: Y) -> None:
        """Spec key path `key` holds what `y` held."""
        self.origins[key] = (y.origin, y.node.start_mark)

    def origin(self, key: KeyPath) -> Pos | None:
        found = self.origins.get(key)
        if found is None or isinstance(found, Pos):
            return found
        origin, mark = found
        return origin.locate(mark)  # as Y.pos()

    def add(
        self, at: Pos, message: str, rule: Rule, *, key: str = "", level: Level | None = None, fix: str | None = None
    ) -> None:
        self.problems.append(d.problem(at.path, at.line, at.col, message, rule, key=key, level=level, fix=fix))

    def loss(self, y: Y, message: str, *, at_key: bool = True, fix: str | None = None) -> None:
        self.add(y.key_pos() if at_key else y.pos(), message, d.IMPORT_LOSS, key=y.where, fix=fix)

    def note(self, y: Y, message: str, *, level: Level = "info", at_key: bool = True) -> None:
        self.add(y.key_pos() if at_key else y.pos(), message, d.IMPORT_NOTE, key=y.where, level=level)

    def need(self, product: str, version: str, why: str, at: Pos) -> None:
        """The spec needs `product` ≥ `version` for `why` (the highest need wins)."""
        from callalert.analysis.versions import Version

        current = self.raised.get(product)
        if current is None or Version.parse(version) > Version.parse(current[0]):
            self.raised[product] = (version, why, at)
