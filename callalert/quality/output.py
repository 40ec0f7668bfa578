"""The report as JSON (every figure, machine-readable), Markdown (for a review page or an issue) and a
terminal table (rich). The same report gives the same bytes: nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callalert.quality.analyze import AlertFigures, Finding, Report
from callalert.quality.collect import IntegrationCount
from callalert.quality.spans import duration_text
from callalert.report import dumps

FORMATS = ("text", "markdown", "html", "json")
SCHEMA = "callalert-report/1"
DOCS = "docs/report.md"
NOTHING_SENT = "Alertmanager sent no notification in the range (alertmanager_notifications_total did not grow)."
NOT_SCRAPED = (
    "Alertmanager's own metrics (alertmanager_notifications_total) are not in this Prometheus: scrape Alertmanager to see them."
)


def when(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds" if ms % 1000 else "seconds").replace("+00:00", "Z")


def seconds(ms: int | None) -> int | float | None:
    if ms is None:
        return None
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def _alert_json(a: AlertFigures) -> dict[str, Any]:
    return {
        "name": a.name,
        "in_spec": a.in_spec,
        "severity": a.severity,
        "category": a.category,
        "owner": a.owner,
        "receivers": a.receivers,
        "where": a.where,
        "key": a.key,
        "for": a.spec_for,
        "keep_firing_for": a.spec_keep_firing_for,
        "loaded": a.loaded,
        "instances": a.instances,
        "fired": a.fired,
        "firing_seconds": seconds(a.firing),
        "median_firing_seconds": seconds(a.median_firing),
        "pending": {
            "median_seconds": seconds(a.pending_median),
            "max_seconds": seconds(a.pending_max),
            "without_firing": a.pending_only,
        },
        "flapping": {
            "cycles": a.flaps,
            "longest_gap_seconds": seconds(a.flap_max_gap),
            "suggest_keep_firing_for": duration_text(a.suggest_keep_firing_for) if a.suggest_keep_firing_for else None,
            "suggest_for": duration_text(a.suggest_for) if a.suggest_for else None,
        },
        "notifications": {"estimated": a.notifications, "share": round(a.share, 4)},
        "pages": {"count": a.pages, "per_week": a.pages_per_week} if a.paging else None,
        "response": (
            {
                "time_seconds": seconds(a.response_time),
                "resolved_before": a.resolved_before_response,
                "outlasted": a.outlasted_response,
            }
            if a.response_time is not None
            else None
        ),
        "silenced_seconds": seconds(a.silenced),
        "silenced_share": round(a.silenced_share, 4),
        "inhibited_seconds": seconds(a.inhibited),
        "episodes": [
            {
                "labels": dict(sorted(e.labels.items())),
                "start": when(e.start),
                "end": when(e.end),
                "seconds": seconds(e.end - e.start),
                "pending_seconds": seconds(e.pending),
                "open_start": e.open_start,
                "open_end": e.open_end,
                "silenced_seconds": seconds(e.silenced),
                "inhibited_seconds": seconds(e.inhibited),
            }
            for e in a.episodes
        ],
    }


def _finding_json(rank: int, f: Finding) -> dict[str, Any]:
    return {
        "rank": rank,
        "kind": f.kind,
        "alert": f.alert,
        "subject": f.subject,
        "owner": f.owner,
        "evidence": f.evidence,
        "suggestion": f.suggestion,
        "where": f.where,
    }


def summary(report: Report) -> dict[str, int]:
    alerts = report.alerts
    return {
        "alerts": len(alerts),
        "in_spec": sum(1 for a in alerts if a.in_spec),
        "fired": sum(1 for a in alerts if a.fired),
        "fired_in_spec": sum(1 for a in alerts if a.fired and a.in_spec),
        "firings": sum(a.fired for a in alerts),
        "never_fired": sum(1 for a in alerts if a.in_spec and not a.fired),
        "not_in_spec": sum(1 for a in alerts if not a.in_spec),
        "flapping": sum(1 for a in alerts if a.flaps),
        "notifications": sum(a.notifications for a in alerts),
        "pages": sum(a.pages or 0 for a in alerts),
    }


def as_data(report: Report) -> dict[str, Any]:
    return {
        "format": SCHEMA,
        "spec": report.spec,
        "range": {"start": when(report.start), "end": when(report.end), "seconds": seconds(report.range_ms)},
        "prometheus": {"url": report.prometheus_url, "version": report.prometheus_version},
        "alertmanager": (
            {
                "url": report.alertmanager_url,
                "version": report.alertmanager_version,
                "alerts": report.alertmanager_alerts,
                "silences": report.alertmanager_silences,
            }
            if report.alertmanager_url
            else None
        ),
        "resolution": [
            {
                "alerts": r["alerts"],
                "evaluation_interval_seconds": seconds(r["evaluation_interval"]),
                "step_seconds": seconds(r["step"]),
                "source": r["source"],
            }
            for r in report.resolution
        ],
        "flap_threshold_seconds": seconds(report.flap_threshold),
        "silences_source": report.silences_source,
        "summary": summary(report),
        "fix_first": [_finding_json(i, f) for i, f in enumerate(report.fix_first, 1)],
        "alerts": [_alert_json(a) for a in report.alerts],
        "integrations": (
            [
                {"integration": i.integration, "sent": i.sent, "failed": i.failed, "reasons": dict(i.reasons)}
                for i in report.integrations
            ]
            if report.integrations is not None
            else None
        ),
        "notes": report.notes,
    }


def render_json(report: Report) -> str:
    return dumps(as_data(report)) + "\n"


# --------------------------------------------------------------------------------------------
# Shared wording


def resolution_text(report: Report) -> str:
    parts = []
    for r in report.resolution:
        step, interval = r["step"], r["evaluation_interval"]
        text = f"step {duration_text(step)}"
        text += f" (evaluation interval {duration_text(interval)}, from {r['source']}" + (
            "; coarsened to keep the points bounded)" if step != interval else ")"
        )
        if r["alerts"] is not None:
            text += " for " + ", ".join(r["alerts"])
        parts.append(text)
    return "; ".join(parts)


def header_lines(report: Report) -> list[str]:
    version = f" {report.prometheus_version}" if report.prometheus_version else ""
    lines = [
        f"Range: {when(report.start)} to {when(report.end)} ({duration_text(report.range_ms)})",
        f"Prometheus{version} at {report.prometheus_url}; {resolution_text(report)}",
    ]
    if report.alertmanager_url:
        am_version = f" {report.alertmanager_version}" if report.alertmanager_version else ""
        alerts = ", ".join(f"{n} {state}" for state, n in (report.alertmanager_alerts or {}).items()) or "none"
        silences = ", ".join(f"{n} {state}" for state, n in (report.alertmanager_silences or {}).items()) or "none"
        lines.append(f"Alertmanager{am_version} at {report.alertmanager_url}: alerts now {alerts}; silences {silences}")
    lines.append(
        f"Silences from {'Alertmanager' if report.silences_source == 'alertmanager' else 'the spec'};"
        f" flapping = fired again within {duration_text(report.flap_threshold)} of resolving"
    )
    s = summary(report)
    lines.append(
        f"{s['fired_in_spec']} of the spec's {s['in_spec']} alerts fired ({s['firings']} firings in all), {s['never_fired']} never fired,"
        f" {s['flapping']} flapped; {s['not_in_spec']} alert(s) fired that are not in the spec;"
        f" about {s['notifications']} notifications, {s['pages']} pages"
    )
    return lines


def active_integrations(report: Report) -> list[IntegrationCount]:
    """The integrations that sent or failed something (Alertmanager counts every integration it knows)."""
    return [i for i in report.integrations or [] if i.sent or i.failed]


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def cells(a: AlertFigures) -> dict[str, str]:
    """One alert's row, the same in every table (Markdown, terminal, HTML); docs/report.md explains each."""
    pending = "-" if a.pending_median is None else f"{duration_text(a.pending_median)} / {duration_text(a.pending_max)}"
    if a.pending_only:
        pending = f"{a.pending_only} never fired" if pending == "-" else f"{pending}, {a.pending_only} never fired"
    response = "-"
    if a.response_time is not None and a.fired:
        response = f"{a.resolved_before_response} / {a.outlasted_response} ({duration_text(a.response_time)})"
    return {
        "Alert": a.name + ("" if a.in_spec else " (not in spec)"),
        "Severity": a.severity or "-",
        "Fired": str(a.fired),
        "Firing total / median": "-" if not a.fired else f"{duration_text(a.firing)} / {duration_text(a.median_firing)}",
        "Pending median / max": pending,
        "for": a.spec_for or "-",
        "Flapping": "-" if not a.flaps else f"{a.flaps}, keep_firing_for {duration_text(a.suggest_keep_firing_for)}",
        "Notifications": "-" if not a.notifications else f"{a.notifications} ({pct(a.share)})",
        "Pages/week": "-" if a.pages_per_week is None else f"{a.pages_per_week:g}",
        "Within / beyond response time": response,
        "Silenced": "-" if not a.silenced else pct(a.silenced_share),
        "Owner": a.owner,
    }


COLUMNS = (
    "Alert",
    "Severity",
    "Fired",
    "Firing total / median",
    "Pending median / max",
    "for",
    "Flapping",
    "Notifications",
    "Pages/week",
    "Within / beyond response time",
    "Silenced",
    "Owner",
)


def finding_lines(rank: int, f: Finding) -> tuple[str, str, str]:
    title = f"{rank}. {f.subject} [{f.kind}], owner: {f.owner}"
    change = f.suggestion + (f" ({f.where})" if f.where else "")
    return title, f.evidence, change


# --------------------------------------------------------------------------------------------
# Markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    out = [f"# Alert report: {report.spec}", ""]
    out += [line + "  " for line in header_lines(report)]
    out[-1] = out[-1].rstrip()
    out += ["", "## What to fix first", ""]
    if not report.fix_first:
        out.append("Nothing: no alert flapped, paged too often, stayed silenced or never fired.")
    for rank, finding in enumerate(report.fix_first, 1):
        _title, evidence, change = finding_lines(rank, finding)
        out.append(f"{rank}. **{_md(finding.subject)}** `{finding.kind}`, owner {_md(finding.owner)}  ")
        out.append(f"   Evidence: {_md(evidence)}  ")
        out.append(f"   Change: {_md(change)}")
    out += ["", "## Alerts", ""]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    for a in report.alerts:
        row = cells(a)
        out.append("| " + " | ".join(_md(row[c]) for c in COLUMNS) + " |")
    out += ["", "## Notifications per integration", ""]
    if report.integrations is None:
        out.append(NOT_SCRAPED)
    elif not active_integrations(report):
        out.append(NOTHING_SENT)
    else:
        out += ["| Integration | Sent | Failed | Reasons |", "|---|---|---|---|"]
        for i in active_integrations(report):
            reasons = ", ".join(f"{r} {c}" for r, c in i.reasons) or "-"
            out.append(f"| {i.integration} | {i.sent} | {i.failed} | {reasons} |")
    if report.notes:
        out += ["", "## Notes", ""]
        out += [f"- {_md(n)}" for n in report.notes]
    out += ["", f"Every figure is explained in [{DOCS}]({DOCS}).", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Terminal


def render_text(report: Report, *, width: int = 200, color: bool = False) -> str:
    from io import StringIO

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    console.print(Text(f"Alert report: {report.spec}", style="bold"))
    for line in header_lines(report):
        console.print(line)
    console.print()
    console.print(Text("What to fix first", style="bold"))
    if not report.fix_first:
        console.print("  nothing: no alert flapped, paged too often, stayed silenced or never fired")
    for rank, finding in enumerate(report.fix_first, 1):
        title, evidence, change = finding_lines(rank, finding)
        console.print(Text(title, style="bold red" if finding.kind in ("notifications-failing", "paging-noise") else "bold"))
        console.print(f"   evidence: {evidence}")
        console.print(f"   change:   {change}")
    console.print()
    table = Table(title="Alerts", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    for column in COLUMNS:
        header = column.replace(" / ", " /\n", 1) if len(column) > 12 else column
        table.add_column(header, overflow="fold", no_wrap=column != "Alert")
    for a in report.alerts:
        row = cells(a)
        table.add_row(*(row[c] for c in COLUMNS))
    console.print(table)
    if report.integrations is not None and not active_integrations(report):
        console.print(NOTHING_SENT)
    elif report.integrations is not None:
        integrations = Table(title="Notifications per integration", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("Integration", "Sent", "Failed", "Reasons"):
            integrations.add_column(column)
        for i in active_integrations(report):
            integrations.add_row(i.integration, str(i.sent), str(i.failed), ", ".join(f"{r} {c}" for r, c in i.reasons) or "-")
        console.print(integrations)
    else:
        console.print(NOT_SCRAPED)
    for note in report.notes:
        console.print(f"note: {note}")
    console.print(f"Every figure is explained in {DOCS}.")
    return buffer.getvalue()
