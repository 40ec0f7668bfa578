"""`callalert lint` over every file of the real-world corpus: no crash, a result for every file."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callalert.lint import lint_paths
from callalert.lint.engine import Options

FOLDERS = ("rules", "rules-invalid", "rules-tests", "alertmanager", "alertmanager-invalid", "templates")
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (corpus / folder).rglob("*") if p.is_file())


def test_every_corpus_file_gets_a_result(corpus: Path) -> None:
    files = corpus_files(corpus)
    assert len(files) == 60
    for path in files:
        result = lint_paths([path], Options(NOW))  # an exception here is a bug: lint must not crash
        assert result.kinds == {str(path): result.kinds[str(path)]}
        for p in result.problems:
            assert p.path == str(path) and p.line >= 1 and p.col >= 1 and p.rule and p.message


def test_corpus_kinds_and_key_findings(corpus: Path) -> None:
    kinds: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for path in corpus_files(corpus):
        result = lint_paths([path], Options(NOW))
        kinds[result.kinds[str(path)]] += 1
        rules.update(p.rule for p in result.problems)
    assert kinds == {"rules": 26, "alertmanager": 23, "rules-test": 6, "template": 4, "unknown": 1}
    # conf.good.yml is Alertmanager's own test config: deprecated match and inline secrets on purpose
    good = lint_paths([corpus / "alertmanager" / "alertmanager__conf.good.yml"], Options(NOW))
    assert Counter(p.rule for p in good.problems)["am-deprecated-match"] == 9
    assert "am-plaintext-secret" in {p.rule for p in good.problems}
    # Alertmanager's own default.tmpl and email.tmpl are clean against current Alertmanager
    for name in ("alertmanager__default.tmpl", "alertmanager__email.tmpl"):
        assert lint_paths([corpus / "templates" / name], Options(NOW, "0.30")).problems == []


@pytest.mark.parametrize("name", ["alertmanager__simple.yml", "alertmanager__conf.good.yml"])
def test_rules_with_alertmanager_world(corpus: Path, name: str) -> None:
    files = [*sorted((corpus / "rules").glob("kube-prometheus__*.yml")), corpus / "alertmanager" / name]
    result = lint_paths(files, Options(NOW))
    assert result.problems  # mixed kinds in one call work
