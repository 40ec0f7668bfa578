"""The typer application: options and arguments only; every body lives in a commands module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callalert import __version__
from callalert.cli.errors import problems_as
from callalert.limits import CLUSTER_SYNC_TIMEOUT

DEFAULT_SPEC = Path("specs.yaml")


def build_app() -> Any:
    import typer

    from callalert.cli.routes import routes_app

    app = typer.Typer(
        name="callalert",
        help="One alerting spec → Prometheus rules, alertmanager.yml, notification templates and runbooks, "
        "proven with promtool and amtool.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    def version_callback(value: bool) -> None:
        if value:
            print(f"callalert {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False,
            "--version",
            help="Print the version and exit; `--version -v` also lists the promtool, amtool, prometheus and "
            "alertmanager found, with their versions.",
            callback=version_callback,
            is_eager=True,
        ),
    ) -> None:
        """callalert: alerting as code."""

    PromtoolOpt = typer.Option(None, "--promtool", help="The promtool to use (else $CALLALERT_PROMTOOL, tools folders, PATH).")
    AmtoolOpt = typer.Option(None, "--amtool", help="The amtool to use (else $CALLALERT_AMTOOL, tools folders, PATH).")
    FormatOpt = typer.Option(
        "text",
        "--format",
        "-f",
        help="Problem output: text, json, github (workflow annotations), sarif, gitlab (Code Quality), checkstyle or junit.",
    )

    @app.command()
    def validate(
        specs: list[Path] = typer.Argument(
            None, help="Spec file(s); several files form one spec. Default: ./specs.yaml", show_default=False
        ),
        overlay: list[Path] = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
        format: str = FormatOpt,
    ) -> None:
        """Check a spec: schema, references, PromQL, matchers, templates, target versions."""
        from callalert.cli.commands import cmd_validate

        with problems_as(format):
            raise typer.Exit(cmd_validate(specs or [DEFAULT_SPEC], format, overlay or []))

    @app.command()
    def render(
        specs: list[Path] = typer.Argument(None, help="Spec file(s). Default: ./specs.yaml", show_default=False),
        out: Path = typer.Option(Path("out"), "--out", "-o", help="Output directory (replaced as a whole)."),
        check: bool = typer.Option(
            False, "--check", help="Render in memory, diff against --out, exit 1 on drift; writes nothing."
        ),
        secrets: str = typer.Option(
            "ref",
            "--secrets",
            help="ref: secrets become Alertmanager *_file references; env: resolve {env: NAME} secrets into the files (mode 0600).",
        ),
        overlay: list[Path] = typer.Option(
            None, "--overlay", help="Overlay file(s) applied to the spec first (e.g. staging receivers, shorter `for`)."
        ),
        target: list[str] = typer.Option(
            None,
            "--target",
            "-t",
            help="Output target (repeatable): prometheus (plain files), kubernetes (Prometheus Operator objects), mimir "
            "(also Cortex), thanos. Default: the spec's `outputs:`, else prometheus.",
        ),
        format: str = FormatOpt,
    ) -> None:
        """Render rules, alertmanager.yml, templates and runbooks into --out (atomically)."""
        from callalert.cli.commands import cmd_render

        with problems_as(format):
            raise typer.Exit(cmd_render(specs or [DEFAULT_SPEC], out, check, secrets, format, overlay or [], target or []))

    @app.command()
    def init(
        path: Path = typer.Argument(DEFAULT_SPEC, help="Where to write the starter spec."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ) -> None:
        """Write a small, valid, commented starter spec."""
        from callalert.cli.commands import cmd_init

        raise typer.Exit(cmd_init(path, force))

    @app.command()
    def schema(
        format: str = typer.Option("json", "--format", "-f", help="json (JSON Schema) or markdown (the spec reference)."),
        kind: str = typer.Option(
            "spec",
            "--kind",
            help="spec: a whole spec; file: one file of a spec in several files (nothing required); "
            "overlay: an overlay (partial, plus alerts:).",
        ),
    ) -> None:
        """Print the spec's JSON Schema (for editors' YAML language servers) or its reference."""
        from callalert.cli.commands import cmd_schema

        raise typer.Exit(cmd_schema(format, kind))

    @app.command()
    def versions(
        format: str = typer.Option("text", "--format", "-f", help="text, json or markdown (docs/versions.md)."),
        target_alertmanager: str = typer.Option(
            None, "--target-alertmanager", help="Only what this Alertmanager release added over the one before."
        ),
    ) -> None:
        """Print the Alertmanager feature table: what each release has, and what the installed toolchains prove."""
        from callalert.cli.versions import cmd_versions

        raise typer.Exit(cmd_versions(format, target_alertmanager))

    @app.command()
    def lint(
        paths: list[Path] = typer.Argument(
            None,
            help="A spec, or Prometheus rule files, alertmanager.yml and .tmpl files (kind detected by content).",
            show_default=False,
        ),
        format: str = typer.Option(
            "text", "--format", "-f", help="text, json, github, sarif, gitlab (Code Quality), checkstyle or junit."
        ),
        fail_on: str = typer.Option(
            "error", "--fail-on", help="Exit 1 when a finding is at or above this level: error, warning or info."
        ),
        target_alertmanager: str = typer.Option(
            None,
            "--target-alertmanager",
            help="Alertmanager version templates must work on (default: the spec's target, else callalert's default target).",
        ),
        explain: str = typer.Option(None, "--explain", help="Explain a rule and exit."),
        list_rules: bool = typer.Option(False, "--list", help="List all rules and exit."),
        scrape_interval: str = typer.Option(
            None,
            "--scrape-interval",
            help="Scrape interval for range checks (default: the spec's defaults.scrape_interval, else 1m, Prometheus' default).",
        ),
        target_prometheus: str = typer.Option(
            None,
            "--target-prometheus",
            help="Prometheus version rule files must work on (default: the spec's target, else 3.5); range checks follow its semantics.",
        ),
        metrics: Path = typer.Option(None, "--metrics", help="Metric catalog: a /metrics text snapshot or a YAML list."),
        config: Path = typer.Option(
            None,
            "--config",
            help="Project configuration (default: .callalert.yml or pyproject.toml [tool.callalert] here or above).",
        ),
        now: str = typer.Option(
            None, "--now", help="Reference time for silence expiry (default: now), e.g. 2024-01-01T00:00:00Z."
        ),
        external_labels: str = typer.Option(
            None, "--external-labels", help="Plain files: comma-separated Prometheus external label names (unknown without it)."
        ),
        changed_since: str = typer.Option(
            None,
            "--changed-since",
            help="Report only problems in what changed since this git revision (files, and alerts, routes, receivers "
            "... within them); the whole configuration is still judged.",
        ),
    ) -> None:
        """Semantic and cross-layer checks of a spec or of existing rules, alertmanager.yml and templates."""
        from callalert.cli.lint import cmd_lint

        raise typer.Exit(
            cmd_lint(
                paths or [],
                format,
                fail_on,
                target_alertmanager,
                explain,
                list_rules,
                scrape_interval,
                metrics,
                now,
                external_labels,
                target_prometheus,
                config,
                changed_since,
            )
        )

    @app.command()
    def check(
        specs: list[Path] = typer.Argument(None, help="Spec file(s). Default: ./specs.yaml", show_default=False),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Render into this directory (kept) instead of a temporary one."
        ),
        junit: Path | None = typer.Option(
            None, "--junit", help="Write a JUnit XML report here (one testcase per file, test or render)."
        ),
        secrets: str = typer.Option(
            "placeholder",
            "--secrets",
            help="placeholder: {env: NAME} secrets get placeholder values; env: use the real environment variables.",
        ),
        overlay: list[Path] = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
        format: str = FormatOpt,
        promtool: str | None = PromtoolOpt,
        amtool: str | None = AmtoolOpt,
        toolchain: str | None = typer.Option(
            None,
            "--toolchain",
            help="Prove with this toolchain of `callalert toolchains` (e.g. sid), or `all`: every toolchain at or above "
            "the spec's targets, with a step × toolchain matrix. Default: the oldest promtool and amtool at or above the targets.",
        ),
    ) -> None:
        """Render, then prove it: promtool check/test rules, amtool check-config, template renders, routing tests, coverage."""
        from callalert.cli.check import cmd_check

        explicit = {"promtool": promtool, "amtool": amtool}
        with problems_as(format, "nothing checked"):
            raise typer.Exit(cmd_check(specs or [DEFAULT_SPEC], out, junit, secrets, overlay or [], format, explicit, toolchain))

    @app.command()
    def toolchains(
        promtool: str | None = PromtoolOpt,
        amtool: str | None = AmtoolOpt,
        prometheus: str | None = typer.Option(
            None, "--prometheus", help="A prometheus binary (else $CALLALERT_PROMETHEUS, tools folders, PATH)."
        ),
        alertmanager: str | None = typer.Option(
            None, "--alertmanager", help="An alertmanager binary (else $CALLALERT_ALERTMANAGER, tools folders, PATH)."
        ),
        format: str = typer.Option("text", "--format", "-f", help="text or json."),
    ) -> None:
        """List every promtool, amtool, prometheus and alertmanager found: version, Go version, build, where from."""
        from callalert.cli.toolchains import cmd_toolchains

        explicit = {"promtool": promtool, "amtool": amtool, "prometheus": prometheus, "alertmanager": alertmanager}
        raise typer.Exit(cmd_toolchains(explicit, format))

    @app.command("import")
    def import_(
        paths: list[Path] = typer.Argument(
            None,
            help="Rule files, alertmanager.yml, templates, Kubernetes objects (PrometheusRule, AlertmanagerConfig, "
            "Alertmanager, Secret, ConfigMap), kube-prometheus-stack values, Mimir/Cortex files, or folders of them "
            "(kinds detected by content).",
            show_default=False,
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="The spec file to write (a .yaml name), or a folder. Default: the spec on stdout."
        ),
        split: str = typer.Option(
            "none", "--split", help="none: one spec file; group: one file per rule group; team: one file per `team` label."
        ),
        secrets_dir: Path | None = typer.Option(
            None,
            "--secrets-dir",
            help="Write the inputs' literal secrets here (mode 0600, folder 0700); the spec refers to these files. "
            "Without it import lists what must move and exits 1.",
        ),
        allow_loss: bool = typer.Option(
            False, "--allow-loss", help="Write the spec even when the input has something the spec cannot express (reported)."
        ),
        verify: bool = typer.Option(
            False,
            "--verify",
            help="Prove the spec equivalent to the input: same rules, promtool/amtool pass, routing alike for a "
            "generated suite of label sets (engine and amtool), templates render alike, import of the render is a fixed point.",
        ),
        format: str = FormatOpt,
    ) -> None:
        """Turn existing rule files, alertmanager.yml and templates into a spec (nothing silently lost, secrets moved out)."""
        from callalert.cli.importer import cmd_import

        raise typer.Exit(cmd_import(paths or [], out, split, secrets_dir, allow_loss, verify, format))

    app.add_typer(routes_app, name="routes")

    UrlsOpt = typer.Option(
        None,
        "--alertmanager-url",
        help="Alertmanager base URL, e.g. http://127.0.0.1:9093; repeat it for each peer of a cluster.",
    )
    ClusterOpt = typer.Option(
        None, "--cluster", help="A YAML file listing the URLs of the peers of an Alertmanager cluster (docs/live.md)."
    )

    @app.command()
    def diff(
        paths: list[Path] = typer.Argument(
            None,
            help="OLD NEW: each a spec (file or folder), a rendered output folder, or rule files + alertmanager.yml. "
            "With --base: the spec or files of the new side (default ./specs.yaml).",
            show_default=False,
        ),
        base: str | None = typer.Option(
            None,
            "--base",
            help="Read the old side from this git revision (e.g. HEAD~1, origin/main): the same paths as they were.",
        ),
        old: list[Path] = typer.Option(
            None, "--old", help="A file or folder of the old side (repeatable: several files form one side)."
        ),
        new: list[Path] = typer.Option(None, "--new", help="A file or folder of the new side (repeatable)."),
        format: str = typer.Option(
            "text", "--format", "-f", help="text, markdown (a pull-request comment), json or github (annotations)."
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write the report to this file (e.g. a PR comment body)."),
        fail_on: str = typer.Option(
            "routing",
            "--fail-on",
            help="Exit 1 when: routing (who is notified changes: routes, receivers, inhibition, time intervals, "
            "silences), any (anything changes) or none (never).",
        ),
        target_alertmanager: str | None = typer.Option(
            None,
            "--target-alertmanager",
            help="Read both sides as this Alertmanager release (default: a spec's target, else 0.25).",
        ),
        no_render: bool = typer.Option(
            False, "--no-render", help="Do not render changed notification templates with amtool (compare their text only)."
        ),
    ) -> None:
        """What a change does: who is notified differently (every label set, through both route trees), rules,
        receivers, templates, inhibit rules, silences."""
        from callalert.cli.diff import cmd_diff

        with problems_as("text"):
            raise typer.Exit(
                cmd_diff(paths or [], base, old or [], new or [], format, out, fail_on, target_alertmanager, not no_render)
            )

    @app.command()
    def drill(
        alertname: str = typer.Argument(..., help='The spec alert to fire (its labels and annotations, plus drill="true").'),
        specs: list[Path] = typer.Argument(None, help="Spec file(s) or a directory. Default: ./specs.yaml", show_default=False),
        alertmanager_url: list[str] = UrlsOpt,
        cluster: Path | None = ClusterOpt,
        resolve: bool = typer.Option(False, "--resolve", help="Send it resolved (endsAt=now) instead of firing."),
        label: list[str] = typer.Option(None, "--label", help="Extra or overriding label K=V (repeatable); K= removes a label."),
        overlay: list[Path] = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
        format: str = FormatOpt,
    ) -> None:
        """Send a synthetic copy of one alert to a real Alertmanager and show who it reaches now."""
        from callalert.cli.live import cmd_drill

        with problems_as(format):
            raise typer.Exit(
                cmd_drill(
                    specs or [DEFAULT_SPEC],
                    alertname,
                    alertmanager_url or [],
                    resolve,
                    label or [],
                    overlay or [],
                    cluster_file=cluster,
                )
            )

    silences_app = typer.Typer(help="Keep the spec's silences in Alertmanager (plan, apply, list, expire).", no_args_is_help=True)
    SpecsArg = typer.Argument(None, help="Spec file(s) or a directory. Default: ./specs.yaml", show_default=False)
    SyncOpt = typer.Option(
        CLUSTER_SYNC_TIMEOUT,
        "--sync-timeout",
        help="Seconds to wait for every peer of a cluster to show the change made on one (default 30).",
    )

    OverlayOpt = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first.")

    @silences_app.command("plan")
    def silences_plan(
        specs: list[Path] = SpecsArg,
        alertmanager_url: list[str] = UrlsOpt,
        cluster: Path | None = ClusterOpt,
        overlay: list[Path] = OverlayOpt,
        exit_code: bool = typer.Option(
            False, "--exit-code", help="Exit 1 when apply would change something (CI drift check); 0 when in sync."
        ),
        format: str = FormatOpt,
    ) -> None:
        """Show what apply would create, update, expire and skip."""
        from callalert.cli.live import cmd_silences_plan

        with problems_as(format):
            raise typer.Exit(
                cmd_silences_plan(
                    specs or [DEFAULT_SPEC],
                    alertmanager_url or [],
                    False,
                    overlays=overlay or [],
                    exit_code=exit_code,
                    cluster_file=cluster,
                )
            )

    @silences_app.command("apply")
    def silences_apply(
        specs: list[Path] = SpecsArg,
        alertmanager_url: list[str] = UrlsOpt,
        cluster: Path | None = ClusterOpt,
        overlay: list[Path] = OverlayOpt,
        sync_timeout: float = SyncOpt,
        format: str = FormatOpt,
    ) -> None:
        """Make Alertmanager's managed silences match the spec (idempotent; on a cluster: written once, seen on every peer)."""
        from callalert.cli.live import cmd_silences_plan

        with problems_as(format):
            raise typer.Exit(
                cmd_silences_plan(
                    specs or [DEFAULT_SPEC],
                    alertmanager_url or [],
                    True,
                    overlays=overlay or [],
                    cluster_file=cluster,
                    sync_timeout=sync_timeout,
                )
            )

    @silences_app.command("list")
    def silences_list(alertmanager_url: list[str] = UrlsOpt, cluster: Path | None = ClusterOpt) -> None:
        """List the unexpired silences callalert manages."""
        from callalert.cli.live import cmd_silences_list

        with problems_as("text"):
            raise typer.Exit(cmd_silences_list(alertmanager_url or [], cluster))

    @silences_app.command("expire")
    def silences_expire(
        alertmanager_url: list[str] = UrlsOpt, cluster: Path | None = ClusterOpt, sync_timeout: float = SyncOpt
    ) -> None:
        """Expire every silence callalert manages (others are untouched)."""
        from callalert.cli.live import cmd_silences_expire

        with problems_as("text"):
            raise typer.Exit(cmd_silences_expire(alertmanager_url or [], cluster, sync_timeout))

    app.add_typer(silences_app, name="silences")

    @app.command()
    def report(
        specs: list[Path] = typer.Argument(None, help="Spec file(s). Default: ./specs.yaml", show_default=False),
        prometheus_url: str = typer.Option(
            ...,
            "--prometheus-url",
            help="Prometheus base URL, e.g. http://127.0.0.1:9090 (http://user:password@host for basic auth; never shown).",
        ),
        alertmanager_url: str | None = typer.Option(
            None, "--alertmanager-url", help="Alertmanager base URL: its silences and current alerts join the report."
        ),
        range_: str = typer.Option("7d", "--range", help="How far back to look, a Prometheus duration (7d, 24h, 2w)."),
        end: str | None = typer.Option(None, "--end", help="End of the range (default: now), e.g. 2025-01-13T00:00:00Z."),
        format: str = typer.Option(
            "text", "--format", "-f", help="text (a table), markdown, html (one self-contained file) or json."
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write the report to this file instead of stdout."),
        flap_threshold: str = typer.Option(
            "10m", "--flap-threshold", help="A re-fire within this long after resolving counts as flapping."
        ),
        timeout: float = typer.Option(30.0, "--timeout", help="Seconds each request to Prometheus/Alertmanager may take in all."),
        overlay: list[Path] = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
    ) -> None:
        """How well the alerts work: firings, flapping, noise, pages, silences, failed notifications, and what to fix first."""
        from callalert.cli.quality import cmd_report

        with problems_as(format):
            raise typer.Exit(
                cmd_report(
                    specs or [DEFAULT_SPEC],
                    overlay or [],
                    prometheus_url,
                    alertmanager_url,
                    range_,
                    end,
                    format,
                    out,
                    flap_threshold,
                    timeout,
                )
            )

    return app
