"""What metrics exist, their type and labels: from a spec list or a /metrics snapshot.

A catalog turns PromQL label inference from "open" (any label of the metric may be there) into
exact sets, gives rate()/delta() checks a metric type, and lets lint say "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from callalert.analysis.labels import is_valid_label_name
from callalert.errors import CallalertError

METRIC_TYPES: frozenset[str] = frozenset(
    {"counter", "gauge", "histogram", "summary", "untyped", "info", "stateset", "gaugehistogram", "unknown"}
)

# Families whose samples carry suffixes: histogram/summary expand to these series, each with its own type
# as far as PromQL functions care (_bucket/_count/_sum are counters of a classic histogram).
_HISTOGRAM_SUFFIXES: tuple[tuple[str, frozenset[str]], ...] = (
    ("_bucket", frozenset({"le"})),
    ("_count", frozenset()),
    ("_sum", frozenset()),
)
_SUMMARY_SUFFIXES: tuple[tuple[str, frozenset[str]], ...] = (("_count", frozenset()), ("_sum", frozenset()))

_METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# A sample line: name, optional {labels}, value, optional timestamp. Label values are quoted strings
# with \\, \" and \n escapes; the label block is matched as a whole and split afterwards.
_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+(-?\d+))?\s*$')
# A sample value as Go's strconv.ParseFloat reads it (the exposition format's rule), with NaN and ±Inf.
_FLOAT_RE = re.compile(r"^[+-]?(?:inf(?:inity)?|nan|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:e[+-]?\d+)?|0x[0-9a-f.p+-]+)$", re.I)
_LABEL_PAIR_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


class CatalogError(CallalertError):
    """A metrics catalog that cannot be read; `line` is 1-based (0 when it is about an entry list)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True, slots=True)
class MetricInfo:
    name: str
    type: str = "unknown"
    labels: frozenset[str] = frozenset()
    help: str = ""
    # The family a series belongs to (x_bucket -> x); equal to name for plain metrics.
    family: str = ""


@dataclass
class MetricsCatalog:
    metrics: dict[str, MetricInfo] = field(default_factory=dict)

    def get(self, name: str) -> MetricInfo | None:
        return self.metrics.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.metrics

    def __len__(self) -> int:
        return len(self.metrics)

    def __iter__(self) -> Iterator[MetricInfo]:
        return iter(self.metrics.values())

    def names(self) -> list[str]:
        return sorted(self.metrics)

    def type_of(self, name: str) -> str | None:
        info = self.metrics.get(name)
        return info.type if info else None

    def labels_of(self, name: str) -> frozenset[str] | None:
        info = self.metrics.get(name)
        return info.labels if info else None

    def _add(self, info: MetricInfo) -> None:
        old = self.metrics.get(info.name)
        if old is not None:
            info = MetricInfo(
                name=info.name,
                type=info.type if info.type != "unknown" else old.type,
                labels=old.labels | info.labels,
                help=info.help or old.help,
                family=info.family or old.family,
            )
        self.metrics[info.name] = info

    def _add_family(self, name: str, type_: str, labels: frozenset[str], help_: str) -> None:
        if type_ in ("histogram", "gaugehistogram"):
            for suffix, extra in _HISTOGRAM_SUFFIXES:
                series_type = "counter" if type_ == "histogram" else "gauge"
                self._add(MetricInfo(name + suffix, series_type, labels | extra, help_, name))
        elif type_ == "summary":
            self._add(MetricInfo(name, "summary", labels | {"quantile"}, help_, name))
            for suffix, extra in _SUMMARY_SUFFIXES:
                self._add(MetricInfo(name + suffix, "counter", labels | extra, help_, name))
        else:
            self._add(MetricInfo(name, type_, labels, help_, name))

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]]) -> MetricsCatalog:
        """From `[{name, type, labels, help}]`; histogram/summary entries expand like a /metrics family."""
        catalog = cls()
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise CatalogError(f"metrics[{index}]: expected a mapping with name/type/labels/help")
            name = entry.get("name")
            if not isinstance(name, str) or not _METRIC_NAME_RE.match(name):
                raise CatalogError(f"metrics[{index}].name: invalid metric name {name!r}")
            type_ = str(entry.get("type") or "unknown").lower()
            if type_ not in METRIC_TYPES:
                known = ", ".join(sorted(METRIC_TYPES))
                raise CatalogError(f"metrics[{index}].type: unknown metric type {type_!r} (one of: {known})")
            raw_labels = entry.get("labels") or []
            if isinstance(raw_labels, str) or not isinstance(raw_labels, Iterable):
                raise CatalogError(f"metrics[{index}].labels: expected a list of label names")
            labels = frozenset(str(label) for label in raw_labels)
            for label in sorted(labels):
                if not is_valid_label_name(label):
                    raise CatalogError(f"metrics[{index}].labels: invalid label name {label!r}")
            catalog._add_family(name, type_, labels, str(entry.get("help") or ""))
        return catalog

    @classmethod
    def from_yaml(cls, text: str) -> MetricsCatalog:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise CatalogError(f"YAML syntax error: {exc.problem or exc}", mark.line + 1 if mark else 0) from None
        except yaml.YAMLError as exc:
            raise CatalogError(f"YAML error: {exc}") from None
        if isinstance(data, Mapping) and "metrics" in data:
            data = data["metrics"]
        if data is None:
            return cls()
        if not isinstance(data, list):
            raise CatalogError("expected a list of metrics (or a mapping with a 'metrics' list)")
        return cls.from_entries(data)

    @classmethod
    def from_text(cls, text: str) -> MetricsCatalog:
        """From Prometheus text exposition format (what /metrics returns)."""
        helps: dict[str, str] = {}
        types: dict[str, str] = {}
        labels: dict[str, set[str]] = {}
        order: list[str] = []
        sample_names: set[str] = set()
        for lineno, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    name = parts[2]
                    rest = parts[3] if len(parts) > 3 else ""
                    if parts[1] == "HELP":
                        helps[name] = rest.replace("\\n", "\n").replace("\\\\", "\\")
                    else:
                        type_ = rest.strip().lower()
                        if type_ not in METRIC_TYPES:
                            raise CatalogError(f"unknown metric type {type_!r} for {name}", lineno)
                        types[name] = type_
                    if name not in labels:
                        labels[name] = set()
                        order.append(name)
                continue
            match = _SAMPLE_RE.match(line)
            if match is None or not _FLOAT_RE.match(match.group(3)):
                raise CatalogError(f"not a sample line: {raw.strip()[:80]!r}", lineno)
            name = match.group(1)
            sample_names.add(name)
            names: set[str] = set()
            if match.group(2):
                body = match.group(2)[1:-1]
                pos = 0
                while pos < len(body):
                    pair = _LABEL_PAIR_RE.match(body, pos)
                    if pair is None or pair.end() == pos:
                        if body[pos:].strip():
                            raise CatalogError(f"bad label set in {raw.strip()[:80]!r}", lineno)
                        break
                    names.add(pair.group(1))
                    pos = pair.end()
            family = _family_of(name, types)
            if family not in labels:
                labels[family] = set()
                order.append(family)
            names.discard("le")
            names.discard("quantile")
            labels[family] |= names
        catalog = cls()
        for family in order:
            family_type = types.get(family)
            help_ = helps.get(family, "")
            if family_type is None and family.endswith("_total") and types.get(family[:-6]) == "counter":
                # OpenMetrics: `# TYPE x counter` exposes the series x_total.
                family_type, help_ = "counter", helps.get(family[:-6], "")
            if family_type == "counter" and family + "_total" in labels and family not in sample_names:
                continue
            catalog._add_family(family, family_type or "untyped", frozenset(labels[family]), help_)
        return catalog


def _family_of(sample_name: str, types: Mapping[str, str]) -> str:
    if sample_name in types:
        return sample_name
    for suffix in ("_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info"):
        if sample_name.endswith(suffix):
            base = sample_name[: -len(suffix)]
            if types.get(base) in ("histogram", "summary", "gaugehistogram", "counter", "info"):
                # OpenMetrics counters are declared as `x` with samples `x_total`; keep the sample name.
                if types[base] == "counter" and suffix == "_total":
                    return sample_name
                return base
    return sample_name


SHAPES = "a catalog is a YAML list of {name, type, labels} (or `metrics:` with one) or a /metrics text snapshot"


def load_catalog(text: str, name: str = "") -> MetricsCatalog:
    """A YAML/JSON entry list (by the file's extension, else by content) or an exposition-format
    snapshot. A catalog that lists no metric is refused: it would make every metric "unknown"."""
    stripped = text.lstrip()
    if name.lower().endswith((".yaml", ".yml", ".json")) or stripped.startswith(("- ", "metrics:", "[", "{")):
        catalog = MetricsCatalog.from_yaml(text)
    else:
        catalog = MetricsCatalog.from_text(text)
    if not len(catalog):
        raise CatalogError(f"it lists no metric; {SHAPES}")
    return catalog
