"""What an import is asked to do, and what it produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert.diagnostics import Problem
from callalert.importer.build import Built
from callalert.importer.inputs import Inputs


@dataclass
class ImportOptions:
    split: str = "none"
    secrets_dir: Path | None = None
    allow_loss: bool = False
    verify: bool = False


@dataclass
class ImportResult:
    files: dict[str, str]  # relative path -> text: the spec file(s) and templates/*.tmpl
    problems: list[Problem]
    built: Built
    inputs: Inputs
    targets: dict[str, str] = field(default_factory=dict)  # product -> version the spec targets
    proof: Any = None  # verify.Proof when --verify ran

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        spec = self.built.spec
        groups = spec.get("groups", [])
        alerts = sum(
            len(g.get("alerts", [])) + sum(1 for r in g.get("alerts_and_records", []) if "record" not in r) for g in groups
        )
        records = sum(
            len(g.get("records", [])) + sum(1 for r in g.get("alerts_and_records", []) if "record" in r) for g in groups
        )
        routes = 0
        stack = list(spec.get("routing", {}).get("routes", []))
        while stack:
            route = stack.pop()
            routes += 1
            stack.extend(route.get("routes", []))
        return {
            "groups": len(groups),
            "alerts": alerts,
            "records": records,
            "receivers": len(spec.get("receivers", {})),
            "routes": routes,
            "templates": len(self.built.templates),
            "secrets": len(self.built.secrets),
        }
