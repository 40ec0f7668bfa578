"""What Alertmanager and Prometheus put into templates: the names they define (functions,
built-in templates, preamble variables) and the Go types of their template data."""

from __future__ import annotations

from callalert.analysis import versions
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, Version

# Word lists are written as "a b c".split(): a table of names reads better as text than one per line.
# ruff: noqa: SIM905

# --------------------------------------------------------------------------------------------
# Names the tools define

GO_BUILTINS = frozenset("and call html index slice js len not or print printf println urlquery eq ge gt le lt ne".split())

# Names Prometheus 2.42 defines for rule templates (template/template.go NewTemplateExpander),
# checked one by one with promtool 2.42 `check rules`. `tmpl` exists only for console templates.
PROMETHEUS_TEMPLATE_FUNCS = frozenset(
    """query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower
    graphLink tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage
    humanizeTimestamp toTime pathPrefix externalURL parseDuration stripPort stripDomain""".split()
)

# Prometheus prepends this to every rule template (rules/alerting.go), so these four variables
# exist at top level (not inside a define).
PROMETHEUS_PREAMBLE_VARS = ("$labels", "$externalLabels", "$externalURL", "$value")

# Built-in template names (Alertmanager's default.tmpl) come from the feature table.
AM_DEFAULT_TEMPLATES_025 = versions.am_default_templates("0.25")
AM_DEFAULT_TEMPLATES_LATER = versions.am_default_templates(versions.AM_NEWEST) - AM_DEFAULT_TEMPLATES_025


def am_default_templates(version: str | Version = DEFAULT_ALERTMANAGER, package: str | None = None) -> frozenset[str]:
    """Built-in template names of Alertmanager `version` (of the distribution build `package`)."""
    return versions.am_default_templates(version, package)


# --------------------------------------------------------------------------------------------
# Types of template data (Go type name, members). "any" switches checking off.

ANY = "any"
LABEL_MAPS = {"Labels": "label", "Annotations": "annotation", "PromLabels": "label", "PromExternalLabels": "external_label"}
_KV_METHODS = {"SortedPairs": "Pairs", "Names": "[]string", "Values": "[]string", "String": "string"}
_TIME_MEMBERS = {
    **dict.fromkeys("UTC Local In Add AddDate Round Truncate".split(), "time"),
    **dict.fromkeys("Format String GoString Month Weekday Location".split(), "string"),
    **dict.fromkeys("Unix UnixNano UnixMilli UnixMicro Year Day Hour Minute Second Nanosecond YearDay".split(), "int"),
    **dict.fromkeys("Before After Equal IsZero Compare".split(), "bool"),
    "Sub": "duration",
    "Date": ANY,
    "Clock": ANY,
    "Zone": ANY,
    "ISOWeek": ANY,
}
_DURATION_MEMBERS = {
    **dict.fromkeys("Hours Minutes Seconds".split(), "float"),
    **dict.fromkeys("Milliseconds Microseconds Nanoseconds".split(), "int"),
    **dict.fromkeys("Round Truncate Abs".split(), "duration"),
    "String": "string",
}
TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "Data": (
        "template.Data",
        {
            "Receiver": "string",
            "Status": "string",
            "Alerts": "Alerts",
            "GroupLabels": "Labels",
            "CommonLabels": "Labels",
            "CommonAnnotations": "Annotations",
            "ExternalURL": "string",
        },
    ),
    "Alerts": ("template.Alerts", {"Firing": "AlertList", "Resolved": "AlertList"}),
    "AlertList": ("[]template.Alert", {}),
    "Alert": (
        "template.Alert",
        {
            "Status": "string",
            "Labels": "Labels",
            "Annotations": "Annotations",
            "StartsAt": "time",
            "EndsAt": "time",
            "GeneratorURL": "string",
            "Fingerprint": "string",
        },
    ),
    "Labels": ("template.KV", {**_KV_METHODS, "Remove": "Labels"}),
    "Annotations": ("template.KV", {**_KV_METHODS, "Remove": "Annotations"}),
    "Pairs": ("template.Pairs", {"Names": "[]string", "Values": "[]string", "String": "string"}),
    "Pair": ("template.Pair", {"Name": "string", "Value": "string"}),
    "time": ("time.Time", _TIME_MEMBERS),
    "duration": ("time.Duration", _DURATION_MEMBERS),
    "string": ("string", {}),
    "[]string": ("[]string", {}),
    "bool": ("bool", {}),
    "int": ("int", {}),
    "float": ("float64", {}),
    "PromData": (
        "Prometheus alert template data",
        {"Labels": "PromLabels", "ExternalLabels": "PromExternalLabels", "ExternalURL": "string", "Value": "float"},
    ),
    "PromLabels": ("map[string]string", {}),
    "PromExternalLabels": ("map[string]string", {}),
    "QueryResult": ("template.queryResult", {}),
    "Sample": ("*template.sample", {"Labels": "SampleLabels", "Value": "float"}),
    "SampleLabels": ("map[string]string", {}),
}
MAP_TYPES = frozenset({"Labels", "Annotations", "PromLabels", "PromExternalLabels", "SampleLabels"})
RANGE_ELEM = {
    "Alerts": ("int", "Alert"),
    "AlertList": ("int", "Alert"),
    "Labels": ("string", "string"),
    "Annotations": ("string", "string"),
    "Pairs": ("int", "Pair"),
    "[]string": ("int", "string"),
    "QueryResult": ("int", "Sample"),
    "PromLabels": ("string", "string"),
    "PromExternalLabels": ("string", "string"),
    "SampleLabels": ("string", "string"),
}
FUNC_RESULT = {
    "toUpper": "string",
    "toLower": "string",
    "title": "string",
    "trimSpace": "string",
    "join": "string",
    "match": "bool",
    "safeHtml": "string",
    "safeUrl": "string",
    "urlUnescape": "string",
    "reReplaceAll": "string",
    "stringSlice": "[]string",
    "date": "string",
    "tz": "time",
    "since": "duration",
    "humanizeDuration": "string",
    "toJson": "string",
    "len": "int",
    "print": "string",
    "printf": "string",
    "println": "string",
    "html": "string",
    "js": "string",
    "urlquery": "string",
    "not": "bool",
    "eq": "bool",
    "ne": "bool",
    "lt": "bool",
    "le": "bool",
    "gt": "bool",
    "ge": "bool",
    # Prometheus
    "query": "QueryResult",
    "first": "Sample",
    "label": "string",
    "value": "float",
    "strvalue": "string",
    "sortByLabel": "QueryResult",
    "humanize": "string",
    "humanize1024": "string",
    "humanizePercentage": "string",
    "humanizeTimestamp": "string",
    "toTime": "time",
    "graphLink": "string",
    "tableLink": "string",
    "parseDuration": "float",
    "pathPrefix": "string",
    "externalURL": "string",
    "stripPort": "string",
    "stripDomain": "string",
}
# Hints for the classic mix-ups between the notification and the per-alert level.
FIELD_HINTS = {
    (
        "Data",
        "Labels",
    ): "; did you mean 'CommonLabels'? (.Labels belongs to each alert: {{ range .Alerts }}{{ .Labels.x }}{{ end }})",
    (
        "Data",
        "Annotations",
    ): "; did you mean 'CommonAnnotations'? (.Annotations belongs to each alert: {{ range .Alerts }}...{{ end }})",
    ("Alert", "CommonLabels"): "; .CommonLabels belongs to the notification: use $.CommonLabels inside range",
    ("Alert", "CommonAnnotations"): "; .CommonAnnotations belongs to the notification: use $.CommonAnnotations inside range",
    ("Alert", "GroupLabels"): "; .GroupLabels belongs to the notification: use $.GroupLabels inside range",
    ("Alert", "Alerts"): "; you are inside range .Alerts already: use $.Alerts for the whole list",
}
for _name in ("StartsAt", "EndsAt", "GeneratorURL", "Fingerprint"):
    FIELD_HINTS[("Data", _name)] = f"; .{_name} belongs to each alert: use it inside {{{{ range .Alerts }}}}"


def go_type_name(typ: str) -> str:
    return TYPES[typ][0] if typ in TYPES else typ


def member_type(typ: str, name: str) -> str | None:
    """Type of `typ.name`, ANY when `typ` is unknown, None when Go would fail."""
    if typ == ANY or typ not in TYPES:
        return ANY
    members = TYPES[typ][1]
    if name in members:
        return members[name]
    if typ in MAP_TYPES:
        return "string"
    return None
