"""The body of `callalert lint`: options in, exit code out."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from callalert.errors import EXIT_OK, EXIT_PROBLEMS, UsageError


def cmd_lint(
    paths: Sequence[Path],
    fmt: str = "text",
    fail_on: str = "error",
    target_alertmanager: str | None = None,
    explain_rule: str | None = None,
    list_rules: bool = False,
    scrape_interval: str | None = None,
    metrics: Path | None = None,
    now: str | None = None,
    external_labels: str | None = None,
    target_prometheus: str | None = None,
    config: Path | None = None,
    changed_since: str | None = None,
) -> int:
    from callalert import report
    from callalert.cli.errors import emit
    from callalert.lint import lint_paths
    from callalert.lint.engine import Options

    if list_rules:
        from callalert.lint.explain import listing

        sys.stdout.write(listing())
        return EXIT_OK
    if explain_rule:
        from callalert.lint.explain import explain

        sys.stdout.write(explain(explain_rule))
        return EXIT_OK
    report.check_format(fmt)
    if fail_on not in ("error", "warning", "info"):
        raise UsageError(f"unknown --fail-on {fail_on!r}; choose error, warning or info")
    if not paths:
        raise UsageError("give the files to lint: a spec, or rule files, alertmanager.yml and .tmpl files")
    for option, value in (("--target-alertmanager", target_alertmanager), ("--target-prometheus", target_prometheus)):
        if value is not None:
            from callalert.analysis.versions import Version

            try:
                Version.parse(value)
            except ValueError as exc:
                raise UsageError(f"{option}: {exc}") from None
    from callalert.spec.v1 import duration_seconds

    try:
        scrape = duration_seconds(scrape_interval) if scrape_interval is not None else None
    except ValueError:
        raise UsageError(f"--scrape-interval: invalid duration {scrape_interval!r} (e.g. 30s, 1m)") from None
    moment = datetime.now(UTC)
    if now is not None:
        try:
            moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--now: invalid time {now!r} (e.g. 2024-01-01T00:00:00Z)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    catalog = None
    if metrics is not None:
        from callalert.analysis.promql.catalog import CatalogError, load_catalog
        from callalert.spec.read import InputError, display, read_text

        try:
            catalog = load_catalog(read_text(metrics), metrics.name)
        except InputError as exc:
            where = f" (line {exc.line}, column {exc.col})" if exc.kind == "encoding" else ""
            raise UsageError(f"--metrics {display(metrics)}: {exc.reason}{where}") from None
        except CatalogError as exc:
            raise UsageError(f"--metrics {display(metrics)}: {exc}") from None
        # say what was understood: a catalog of one metric makes every other metric "unknown"
        sys.stderr.write(f"catalog: {len(catalog)} metric{'s' if len(catalog) != 1 else ''} from {display(metrics)}\n")
    labels = [x.strip() for x in external_labels.split(",") if x.strip()] if external_labels is not None else None
    from callalert.lint import rules as lint_rules
    from callalert.lint.project import discover, load_project

    project = None
    project_path = config if config is not None else discover(Path.cwd())
    if config is not None and not config.is_file():
        raise UsageError(f"--config: file not found: {config}")
    if project_path is not None:
        from callalert import diagnostics

        lint_rules.register()
        project = load_project(project_path, diagnostics.RULES.ids())
        sys.stderr.write(f"project configuration: {project_path}\n")
    options = Options(moment, target_alertmanager, scrape, catalog, target_prometheus, project)
    result = lint_paths(paths, options, external_labels=labels)
    problems = result.problems
    note = ""
    if changed_since is not None:
        from callalert.lint.changed import changed_since as changes

        files: dict[str, str] = dict(result.kinds)
        for p in problems:  # a problem in a file the spec reads (a .tmpl of templates.files)
            if p.path not in files and Path(p.path).is_file():
                files[p.path] = "other"
        changed = changes(changed_since, files, [f for f, k in result.kinds.items() if k == "spec"])
        problems = [p for p in problems if changed.keeps(p)]
        hidden = len(result.problems) - len(problems)
        note = f"; {hidden} more in what did not change since {changed_since}" if hidden else ""
    emit(problems, fmt, tool="callalert-lint", files=list(result.kinds))
    from callalert.diagnostics import has_errors, summary

    scope = f" (what changed since {changed_since})" if changed_since is not None else ""
    sys.stderr.write(f"{len(result.kinds)} file(s) linted{scope}: {summary(problems)}{note}\n")
    if not result.valid or has_errors(problems, fail_on):  # type: ignore[arg-type]
        return EXIT_PROBLEMS
    return EXIT_OK
