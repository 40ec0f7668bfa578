"""The report as one self-contained HTML file: inline CSS, one SVG timeline per alert, no script, no
external asset (fonts, images or styles), so it can be attached to a weekly review and opened offline.
Deterministic: the same report gives the same bytes."""

from __future__ import annotations

from html import escape

from callalert.quality.analyze import AlertFigures, Report
from callalert.quality.output import (
    COLUMNS,
    DOCS,
    NOT_SCRAPED,
    NOTHING_SENT,
    active_integrations,
    cells,
    finding_lines,
    header_lines,
    when,
)
from callalert.quality.spans import Span, duration_text

WIDTH = 960  # px of the timeline's time axis
LEFT = 0
LANE = 18
HEIGHT = 44
_TICKS = (
    60_000,
    5 * 60_000,
    15 * 60_000,
    3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    86_400_000,
    2 * 86_400_000,
    7 * 86_400_000,
    30 * 86_400_000,
)

_CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 24px; color: #1d1d1f; background: #fff; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.meta { margin: 2px 0; color: #444; font-size: 13px; }
ol.fix li { margin: 0 0 10px; font-size: 14px; }
ol.fix .kind { font-family: monospace; background: #f1f1f1; padding: 0 4px; border-radius: 3px; }
ol.fix .evidence, ol.fix .change { display: block; color: #333; font-size: 13px; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
section.alert { margin: 0 0 6px; }
section.alert p { margin: 2px 0; font-size: 12px; color: #444; }
svg.timeline { display: block; }
svg.timeline rect { shape-rendering: crispEdges; }
svg.timeline .lane { fill: #f4f4f4; }
svg.timeline .firing { fill: #d62728; }
svg.timeline .pending { fill: #f0ad4e; }
svg.timeline .silenced { fill: #7f7f7f; }
svg.timeline .inhibited { fill: #1f77b4; }
svg.timeline .tick { stroke: #bbb; stroke-width: 1; }
svg.timeline text { font-size: 10px; fill: #555; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
"""


def _x(ms: int, report: Report) -> float:
    return LEFT + (ms - report.start) * WIDTH / max(1, report.range_ms)


def _rects(spans: list[Span], report: Report, css: str, y: int, height: int, what: str) -> list[str]:
    """One rect per span, spans closer than half a pixel drawn as one (an SVG stays small over long ranges)."""
    merged: list[tuple[float, float, int, int]] = []
    for start, end in spans:
        x0, x1 = _x(start, report), _x(end, report)
        if merged and x0 - merged[-1][1] < 0.5:
            merged[-1] = (merged[-1][0], x1, merged[-1][2], end)
        else:
            merged.append((x0, x1, start, end))
    out = []
    for x0, x1, start, end in merged:
        width = max(x1 - x0, 1.0)
        out.append(
            f'<rect class="{css}" x="{x0:.1f}" y="{y}" width="{width:.1f}" height="{height}">'
            f"<title>{what} {when(start)} to {when(end)} ({duration_text(end - start)})</title></rect>"
        )
    return out


def _tick_step(range_ms: int) -> int:
    for step in _TICKS:
        if range_ms / step <= 8:
            return step
    return _TICKS[-1]


def timeline(a: AlertFigures, report: Report) -> str:
    label = f"{a.name}: fired {a.fired} time(s), {duration_text(a.firing)} firing"
    parts = [
        f'<svg class="timeline" data-alert="{escape(a.name)}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 2}"'
        f' height="{HEIGHT}" viewBox="0 0 {WIDTH + 2} {HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<rect class="lane" x="{LEFT}" y="2" width="{WIDTH}" height="{LANE}"/>',
    ]
    step = _tick_step(report.range_ms)
    tick = -(-report.start // step) * step
    while tick <= report.end:
        x = _x(tick, report)
        text = when(tick)
        text = text[:10] if step >= 86_400_000 else text[5:16].replace("T", " ")
        anchor = "start" if x < 40 else ("end" if x > WIDTH - 40 else "middle")
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{LANE + 6}"/>')
        parts.append(f'<text x="{x:.1f}" y="{LANE + 18}" text-anchor="{anchor}">{text}</text>')
        tick += step
    parts += _rects(a.timeline_pending, report, "pending", 2, LANE, "pending")
    parts += _rects(a.timeline_firing, report, "firing", 2, LANE, "firing")
    parts += _rects(a.timeline_silenced, report, "silenced", 2 + LANE - 5, 5, "silenced")
    parts += _rects(a.timeline_inhibited, report, "inhibited", 2, 5, "inhibited")
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    e = escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>Alert report: {e(report.spec)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>Alert report: {e(report.spec)}</h1>",
    ]
    out += [f'<p class="meta">{e(line)}</p>' for line in header_lines(report)]
    out.append('<h2 id="fix-first">What to fix first</h2>')
    if not report.fix_first:
        out.append("<p>Nothing: no alert flapped, paged too often, stayed silenced or never fired.</p>")
    else:
        out.append('<ol class="fix">')
        for rank, finding in enumerate(report.fix_first, 1):
            _title, evidence, change = finding_lines(rank, finding)
            target = f' href="#alert-{e(finding.alert)}"' if finding.alert else ""
            subject = f"<a{target}>{e(finding.subject)}</a>" if target else e(finding.subject)
            out.append(
                f'<li data-kind="{e(finding.kind)}"><strong>{subject}</strong> <span class="kind">{e(finding.kind)}</span>'
                f" owner {e(finding.owner)}"
                f'<span class="evidence">Evidence: {e(evidence)}</span><span class="change">Change: {e(change)}</span></li>'
            )
        out.append("</ol>")
    out.append('<h2 id="alerts">Alerts</h2>')
    out.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in COLUMNS) + "</tr></thead><tbody>")
    for a in report.alerts:
        row = cells(a)
        out.append("<tr>" + "".join(f"<td>{e(row[c])}</td>" for c in COLUMNS) + "</tr>")
    out.append("</tbody></table>")
    out.append('<h2 id="timelines">Timelines</h2>')
    out.append(
        '<p class="legend">UTC.<span style="background:#d62728"></span>firing<span style="background:#f0ad4e"></span>'
        'pending<span style="background:#7f7f7f"></span>silenced (lower stripe)'
        '<span style="background:#1f77b4"></span>inhibited (upper stripe)</p>'
    )
    for a in report.alerts:
        facts = [
            f"{a.severity or 'no severity'}",
            f"fired {a.fired}",
            f"firing {duration_text(a.firing)}",
            f"{a.instances} instance(s)",
            f"owner {a.owner}",
        ]
        if not a.in_spec:
            facts.append("not in the spec")
        out.append(f'<section class="alert" id="alert-{e(a.name)}"><h3>{e(a.name)}</h3><p>{e(" · ".join(facts))}</p>')
        out.append(timeline(a, report))
        out.append("</section>")
    out.append('<h2 id="integrations">Notifications per integration</h2>')
    if report.integrations is None:
        out.append(f"<p>{e(NOT_SCRAPED)}</p>")
    elif not active_integrations(report):
        out.append(f"<p>{e(NOTHING_SENT)}</p>")
    else:
        out.append("<table><thead><tr><th>Integration</th><th>Sent</th><th>Failed</th><th>Reasons</th></tr></thead><tbody>")
        for i in active_integrations(report):
            reasons = ", ".join(f"{r} {c}" for r, c in i.reasons) or "-"
            out.append(f"<tr><td>{e(i.integration)}</td><td>{i.sent}</td><td>{i.failed}</td><td>{e(reasons)}</td></tr>")
        out.append("</tbody></table>")
    if report.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    out.append(f'<p class="meta">Every figure is explained in {e(DOCS)} (callalert\'s documentation).</p>')
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
