"""`callalert routes show|test`: the route tree and what it does with a label set.

The command bodies only load a dict and call callalert.routing; the dict is what the spec files
render to (`load_for_cli`), or an existing alertmanager.yml (`--config`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from callalert.errors import CallalertError, ProblemsFound, UsageError

if TYPE_CHECKING:
    from callalert.analysis.alertmanager.delivery import Delivery, SilenceWindow
    from callalert.analysis.alertmanager.routing import Route

routes_app = typer.Typer(help="Show the Alertmanager route tree and test where alerts go.", no_args_is_help=True)

EXPECT_MISMATCH = "WARNING: Expected receivers did not match resolved receivers."
SHOW_FORMATS = ("text", "mermaid", "dot")
TARGET_HELP = (
    "Alertmanager version to read the config and labels as (matcher parser, UTF-8 label names); "
    "default: the spec's target, else callalert's default target."
)


def load_am_config_for_cli(spec_or_config: Path) -> dict[str, Any]:
    """An alertmanager.yml as a dict: read through the guarded reader, loaded with positions."""
    from callalert.diagnostics import kind_of
    from callalert.spec.load import load_text
    from callalert.spec.read import InputError, display, read_text

    try:
        text = read_text(spec_or_config)
    except InputError as exc:
        where = f" (line {exc.line}, column {exc.col})" if exc.kind == "encoding" else ""
        raise UsageError(f"--config {display(spec_or_config)}: {exc.reason}{where}") from None
    doc = load_text(text, str(spec_or_config))
    errors = [p for p in doc.problems if p.level == "error" and p.rule != "duplicate-key"]
    if errors:
        from callalert import report

        report.emit(errors, "text")
        raise CallalertError(f"{display(spec_or_config)} is not valid YAML; fix the problem above")
    if not isinstance(doc.data, dict):
        raise CallalertError(f"{display(spec_or_config)}: expected a mapping at the top level, got {kind_of(doc.data)}")
    return doc.data


def parse_label_args(args: list[str], version: str | None = None) -> dict[str, str]:
    """amtool's syntax: each argument is one `name=value` (value may be "quoted"); later wins.
    Read as the amtool of Alertmanager `version` reads it (UTF-8 names like `service.name` from 0.27)."""
    from callalert.analysis.alertmanager.matchers import MatcherError, parse_matcher
    from callalert.analysis.versions import DEFAULT_ALERTMANAGER, am_go, am_matcher_mode

    target = version or DEFAULT_ALERTMANAGER
    labels: dict[str, str] = {}
    for arg in args:
        try:
            m = parse_matcher(arg, am_matcher_mode(target), am_go(target))
        except MatcherError as exc:
            raise UsageError(f"failed to parse labels: {exc}") from None
        if m.op != "=":
            raise UsageError(f"failed to parse labels: labels must be specified as key=value pairs: {arg}")
        labels[m.name] = m.value
    return labels


def parse_firing(text: str, version: str | None = None) -> dict[str, str]:
    from callalert.analysis.alertmanager.matchers import MatcherError, parse_matchers
    from callalert.analysis.versions import DEFAULT_ALERTMANAGER, am_go, am_matcher_mode

    target = version or DEFAULT_ALERTMANAGER
    try:
        ms = parse_matchers(text, am_matcher_mode(target), am_go(target))
    except MatcherError as exc:
        raise UsageError(f"--firing {text!r}: {exc}") from None
    bad = [str(m) for m in ms if m.op != "="]
    if bad:
        raise UsageError(f"--firing {text!r}: labels must be specified as key=value pairs, not {bad[0]}")
    return {m.name: m.value for m in ms}


def parse_at(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {text!r}: not an ISO 8601 date-time (e.g. 2024-05-06T09:30:00+02:00)") from None
    if at.tzinfo is None:
        # the spec refuses silence times without a zone for the same reason: UTC or local time would be a guess
        raise UsageError(f"--at {text!r}: add a time zone (Z or +01:00), e.g. {at.isoformat()}Z")
    return at


def route_label(route: Route) -> str:
    if route.parent is None:
        return "default-route"
    return route.matchers_text() if route.matchers else "{} (matches everything)"


def _show_tree(config: Mapping[str, Any], version: str | None = None, show_all: bool = False) -> Any:
    """The tree; a child shows group_by and timings only where it changes them (`show_all`: every value,
    inherited ones marked), so a log of a big tree stays readable."""
    from rich.text import Text
    from rich.tree import Tree

    from callalert.analysis.alertmanager.routing import build_route_tree
    from callalert.analysis.versions import DEFAULT_ALERTMANAGER

    root = build_route_tree(config, version or DEFAULT_ALERTMANAGER)
    timing_keys = ("group_wait", "group_interval", "repeat_interval")

    def node_text(route: Route) -> Text:
        text = Text()
        text.append(route_label(route), style="bold")
        text.append(f"  [{route.path}]", style="dim")

        def field(name: str, value: str, key: str) -> None:
            if key in route.inherited and not show_all and name != "receiver":
                return
            text.append(f"  {name}: ")
            if key in route.inherited:
                text.append(value, style="dim")
                text.append(" (inherited)", style="dim italic")
            else:
                text.append(value, style="cyan")

        field("receiver", route.receiver, "receiver")
        if route.continue_:
            text.append("  continue: true", style="yellow")
        field("group_by", "[" + ", ".join(route.group_by) + "]", "group_by")
        inherited_timings = set(timing_keys) & route.inherited
        if show_all or route.parent is None:
            timings = f"{route.group_wait}/{route.group_interval}/{route.repeat_interval}"
            text.append("  wait/interval/repeat: ")
            if inherited_timings == set(timing_keys):
                text.append(timings, style="dim")
                text.append(" (inherited)", style="dim italic")
            else:
                text.append(timings, style="cyan")
                if inherited_timings:
                    text.append(" (inherited: " + ", ".join(sorted(inherited_timings)) + ")", style="dim italic")
        else:
            for key in timing_keys:
                if key not in route.inherited:
                    text.append(f"  {key}: ")
                    text.append(str(getattr(route, key)), style="cyan")
        if route.mute_time_intervals:
            text.append("  mute: " + ", ".join(route.mute_time_intervals), style="magenta")
        if route.active_time_intervals:
            text.append("  active: " + ", ".join(route.active_time_intervals), style="magenta")
        return text

    def add(tree: Tree, route: Route) -> None:
        for child in route.routes:
            add(tree.add(node_text(child)), child)

    tree = Tree(node_text(root))
    add(tree, root)
    return tree


@contextmanager
def _config_errors(config: Path | None) -> Iterator[None]:
    """A routing error of `--config FILE` names the file (Alertmanager would refuse to load it)."""
    from callalert.analysis.alertmanager.routing import RoutingError
    from callalert.spec.read import display

    try:
        yield
    except RoutingError as exc:
        if config is None:
            raise
        raise CallalertError(f"{display(config)}: {exc} (Alertmanager would refuse this file)") from None


@dataclass(frozen=True)
class Routable:
    """What to route with: an alertmanager config, the Alertmanager version to read it as, and the
    spec's silences when it came from a spec."""

    config: dict[str, Any]
    version: str
    silences: list[SilenceWindow]


def load_for_cli(
    specs: Sequence[Path], config: Path | None, target: str | None = None, overlays: Sequence[Path] = ()
) -> Routable:
    """The alertmanager config to route with (`--config FILE` as is, else the one the SPEC files
    render to) and the Alertmanager version to read it as (`target`, else the spec's, else DEFAULT_ALERTMANAGER)."""
    from callalert.analysis.versions import DEFAULT_ALERTMANAGER, Version

    if target is not None:
        try:
            Version.parse(target)
        except ValueError as exc:
            raise UsageError(f"--target-alertmanager: {exc}") from None
    if config is not None:
        if specs:
            raise UsageError("give either a SPEC or --config FILE, not both")
        if overlays:
            raise UsageError("--overlay applies to a spec, not to --config FILE")
        return Routable(load_am_config_for_cli(config), target or DEFAULT_ALERTMANAGER, [])
    from callalert.pipeline import load_valid
    from callalert.render.alertmanager import routing_data
    from callalert.render.silences import silence_windows

    paths = list(specs) or [Path("specs.yaml")]
    try:
        valid = load_valid(paths, overlays)
        return Routable(routing_data(valid.model), target or valid.model.am_version, silence_windows(valid.model))
    except ProblemsFound as exc:
        from callalert import report
        from callalert.spec.read import display

        report.emit(exc.problems, "text")
        shown = " ".join(display(p) for p in paths)
        raise CallalertError(f"{shown} is not a valid spec; fix the problems above") from None


def _is_path(arg: str) -> bool:
    try:
        return Path(arg).exists()
    except (OSError, ValueError):
        return False


def split_specs_and_labels(args: Sequence[str]) -> tuple[list[Path], list[str]]:
    """`routes test`'s arguments: the spec files (or directories) first, then the labels.

    A label is always `name=value`; a spec is a path. So a leading argument is a spec when it names
    an existing file or directory, or has no `=` in it (a spec that is not there is then reported as
    such, not as a label that does not parse); the first argument with `=` that is not an existing
    path starts the labels."""
    specs: list[Path] = []
    rest = list(args)
    while rest:
        arg = rest[0]
        if not _is_path(arg) and "=" in arg:
            break
        if not _is_path(arg):
            hint = "" if arg.endswith((".yaml", ".yml")) else " (labels are written name=value)"
            raise UsageError(f"spec file not found: {arg}{hint}")
        specs.append(Path(rest.pop(0)))
    return specs, rest


@routes_app.command("show")
def show(
    specs: list[Path] | None = typer.Argument(
        None, help="Spec file(s) or a directory of them; several files form one spec (default ./specs.yaml)", show_default=False
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="an existing alertmanager.yml instead of a spec"),
    overlay: list[Path] | None = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
    show_all: bool = typer.Option(
        False, "--all", help="Show every node's group_by and timings, inherited ones marked (default: only changes)."
    ),
    target: str | None = typer.Option(None, "--target-alertmanager", help=TARGET_HELP),
    format: str = typer.Option(
        "text", "--format", "-f", help="text (a tree), mermaid (a flowchart for Markdown) or dot (Graphviz)."
    ),
) -> None:
    """Print the route tree: matchers, receiver, continue, and group_by and timings where a route changes them."""
    import sys

    from rich.console import Console

    if format not in SHOW_FORMATS:
        raise UsageError(f"unknown --format {format!r}; choose one of {', '.join(SHOW_FORMATS)}")
    routable = load_for_cli(specs or [], config, target, overlay or [])
    if format != "text":
        from callalert.analysis.alertmanager.routing import build_route_tree
        from callalert.render import routetree

        view = routetree.tree_view(build_route_tree(routable.config, routable.version), show_all=show_all)
        sys.stdout.write(routetree.mermaid(view) if format == "mermaid" else routetree.dot(view))
        return
    # in a log or a pipe a node is one line, however long: wrapped values are unreadable there
    console = Console() if sys.stdout.isatty() else Console(width=100_000, soft_wrap=True)
    with _config_errors(config):
        tree = _show_tree(routable.config, routable.version, show_all)
    console.print(tree)


def describe_delivery(result: Delivery, at: datetime | None) -> list[str]:
    lines: list[str] = []
    if result.inhibited_by is not None:
        rule, source = result.inhibited_by
        source_text = ",".join(f'{k}="{v}"' for k, v in sorted(source.items()))
        lines.append(f"INHIBITED by {rule.path} (firing source alert {{{source_text}}}): nobody is notified")
        lines.append("routes matched (not notified): " + ",".join(result.receivers))
        return lines
    if result.silenced_by is not None:
        s = result.silenced_by
        until = s.ends_at.isoformat().replace("+00:00", "Z")
        lines.append(f"SILENCED by {s.path} {{{', '.join(s.matchers)}}} until {until}: nobody is notified")
        lines.append("routes matched (not notified): " + ",".join(result.receivers))
        return lines
    lines.append(",".join(result.notified) if result.notified else "(nobody is notified)")
    for route in result.routes:
        if route.path in result.muted:
            when = at.isoformat() if at is not None else ""
            lines.append(f"MUTED at {when}: {route.path} (receiver {route.receiver}) {result.muted[route.path]}")
    return lines


@routes_app.command("test")
def test(
    labels: list[str] | None = typer.Argument(
        None,
        help='[SPEC...] then labels as name=value (value may be "quoted"), amtool syntax. SPEC: spec file(s) or a '
        "directory, default ./specs.yaml; an argument that is an existing path is a spec, the first name=value one starts "
        "the labels.",
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="an existing alertmanager.yml instead of a spec"),
    as_json: bool = typer.Option(False, "--json", help="print matched route paths and receivers as JSON"),
    firing: list[str] | None = typer.Option(
        None, "--firing", help="another alert that is firing, 'a=b,c=d' (repeatable): applies inhibit_rules"
    ),
    at: str | None = typer.Option(
        None, "--at", help="ISO 8601 time with a zone: applies mute/active time intervals and the spec's silences"
    ),
    overlay: list[Path] | None = typer.Option(None, "--overlay", help="Overlay file(s) applied to the spec first."),
    expect: str | None = typer.Option(
        None, "--expect", help="expected comma-separated receivers (like amtool --verify.receivers)"
    ),
    target: str | None = typer.Option(None, "--target-alertmanager", help=TARGET_HELP),
) -> None:
    """Print the receivers an alert with LABELS reaches, comma-separated in tree order, as `amtool config routes test` does.

    amtool ignores inhibition and time intervals; --firing and --at are callalert's own evaluation of them.
    From Alertmanager 0.27 label names may be UTF-8: `service.name=checkout`, `'"my label"=x'`.
    """
    from callalert.analysis.alertmanager.delivery import deliver

    specs, args = split_specs_and_labels(labels or [])
    routable = load_for_cli(specs, config, target, overlay or [])
    label_set = parse_label_args(args, routable.version)
    firing_sets = [parse_firing(f, routable.version) for f in firing or []]
    at_time = parse_at(at) if at is not None else None
    with _config_errors(config):
        result = deliver(routable.config, label_set, firing_sets, at_time, version=routable.version, silences=routable.silences)
    slug = ",".join(result.notified)
    if as_json:
        inhibited = None
        if result.inhibited_by is not None:
            rule, source = result.inhibited_by
            inhibited = {"rule": rule.path, "source": dict(source)}
        payload = {
            "labels": result.labels,
            "routes": [r.path for r in result.routes],
            "receivers": result.receivers,
            "inhibited_by": inhibited,
            "muted": result.muted,
            "silenced_by": result.silenced_by.path if result.silenced_by is not None else None,
            "notified": result.notified,
        }
        typer.echo(json.dumps(payload, indent=2, sort_keys=False))
    elif not firing_sets and at_time is None:
        typer.echo(slug)  # byte-for-byte what amtool prints
    else:
        for line in describe_delivery(result, at_time):
            typer.echo(line)
    if expect is not None and expect != slug:
        typer.echo(EXPECT_MISMATCH)
        raise CallalertError(f"expected receivers {expect!r}, got {slug!r}")
