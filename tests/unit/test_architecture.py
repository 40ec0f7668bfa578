"""The shape of the package: no import cycles, few top-level modules (the layers themselves are
import-linter's contract in pyproject.toml, run by `make test`)."""

from __future__ import annotations

import grimp

from tests.conftest import ROOT


def _cycles() -> list[list[str]]:
    graph = grimp.build_graph("callalert")
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    # Tarjan's strongly connected components
    counter = [0]
    stack: list[str] = []
    on_stack: set[str] = set()
    low: dict[str, int] = {}
    order: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(m: str) -> None:
        order[m] = low[m] = counter[0]
        counter[0] += 1
        stack.append(m)
        on_stack.add(m)
        for n in edges[m]:
            if n not in index:
                continue
            if n not in order:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in on_stack:
                low[m] = min(low[m], order[n])
        if low[m] == order[m]:
            component = []
            while True:
                n = stack.pop()
                on_stack.discard(n)
                component.append(n)
                if n == m:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for m in modules:
        if m not in order:
            visit(m)
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles()
    assert cycles == [], "import cycles (each line a set of modules importing each other):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_ten_or_fewer_top_level_modules() -> None:
    top = sorted(p.name for p in (ROOT / "callalert").glob("*.py"))
    assert len(top) <= 10, top


def test_architecture_doc_names_every_package() -> None:
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    packages = sorted(p.parent.name for p in (ROOT / "callalert").glob("*/__init__.py"))
    missing = [name for name in packages if f"{name}/" not in doc]
    assert missing == [], f"docs/architecture.md does not describe: {missing}"
