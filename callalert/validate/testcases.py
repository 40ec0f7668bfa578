"""The spec's `tests:` section: rule tests and routing tests that `callalert check` will run."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from callalert import diagnostics as d
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.promql import check_syntax
from callalert.analysis.versions import am_feature_min_version, am_utf8_label_names
from callalert.diagnostics import KeyPath, Problem, did_you_mean
from callalert.model import Model
from callalert.spec.load import Merged

_SERIES_RE = re.compile(r"^(?:[a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:\{.*\})?|\{.*\})$", re.S)


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    alerts = {a.name: a for a in reversed(model.alerts)}  # the first alert of each name
    shared = {a.name for a in model.alerts if a.shares_name}
    for test in model.tests.rules:
        key = test.key
        alert = alerts.get(test.alert)
        if alert is None:
            yield merged.problem(
                (*key, "alert"),
                f"unknown alert {test.alert!r}{did_you_mean(test.alert, alerts)} (rule tests test alerts of `groups`)",
                d.UNKNOWN_ALERT,
            )
        elif test.alert in shared:
            yield merged.problem(
                (*key, "alert"),
                f"several alerts are named {test.alert!r} (shares_name): a rule test names one alert, so it cannot "
                "tell them apart yet",
                d.RULE_TEST,
            )
        for j, series in enumerate(test.series):
            yield from _series_problems(merged, (*key, "series", j, "series"), series.series)
        if not test.expect:
            yield merged.problem(
                (*key, "expect"), "a rule test needs at least one expectation (eval_time and alerts)", d.RULE_TEST
            )
        for j, exp in enumerate(test.expect):
            names = exp.annotation_names() or ()
            for k, expected in enumerate(exp.alerts):
                akey = (*key, "expect", j, "alerts", k)
                missing = [n for n in names if n not in expected.annotations]
                if missing:
                    yield merged.problem(
                        (*akey, "annotations") if expected.annotations else akey,
                        f"name the same annotations in every alert of one expectation (missing: {', '.join(missing)}): "
                        "promtool compares each alert's whole annotation set",
                        d.RULE_TEST,
                    )
                if alert is None:
                    continue
                for name in expected.annotations:
                    if name not in alert.annotations:
                        yield merged.problem(
                            (*akey, "annotations", name),
                            f"alert {alert.name} has no annotation {name!r}{did_you_mean(name, alert.annotations)} "
                            f"(it has: {', '.join(alert.annotations)})",
                            d.RULE_TEST,
                            at_key=True,
                        )
    receivers = set(model.receivers)
    for rtest in model.tests.routing:
        key = rtest.key
        if rtest.alert is not None and rtest.alert not in alerts:
            yield merged.problem(
                (*key, "alert"), f"unknown alert {rtest.alert!r}{did_you_mean(rtest.alert, alerts)}", d.UNKNOWN_ALERT
            )
        elif rtest.alert in shared:
            yield merged.problem(
                (*key, "alert"),
                f"several alerts are named {rtest.alert!r} (shares_name), each with its own labels: write the label set "
                "to route in `labels` instead",
                d.ROUTING_TEST,
            )
        if rtest.alert is None and not rtest.labels:
            yield merged.problem(key, "a routing test needs `alert` or `labels` (the label set to route)", d.ROUTING_TEST)
        yield from _routing_label_names(merged, (*key, "labels"), rtest.labels, model.am_version)
        for j, firing in enumerate(rtest.firing):
            yield from _routing_label_names(merged, (*key, "firing", j), firing, model.am_version)
        for j, name in enumerate(rtest.receivers):
            if name not in receivers:
                yield merged.problem(
                    (*key, "receivers", j),
                    f"unknown receiver {name!r}{did_you_mean(name, receivers)} (defined: {', '.join(sorted(receivers))})",
                    d.UNKNOWN_RECEIVER,
                )


def _routing_label_names(merged: Merged, key: KeyPath, labels: Mapping[str, str], am_version: str) -> Iterator[Problem]:
    """Label names of a routing test: amtool reads each label as a matcher argument, so classic
    names up to 0.26 and any UTF-8 name from 0.27 (fallback mode)."""
    utf8 = am_utf8_label_names("matchers", am_version)
    since = am_feature_min_version("matchers.utf8_parser")
    for name in labels:
        if is_valid_label_name(name, utf8=utf8) and not (not utf8 and name.startswith("__")):
            continue
        hint = ""
        if not utf8 and since is not None and is_valid_label_name(name, utf8=True):
            hint = f"; other names need Alertmanager ≥ {since.short} (the target is {am_version})"
        yield merged.problem(
            (*key, name),
            f"invalid label name {name!r}: use letters, digits and _, not starting with a digit or __{hint}",
            d.LABEL_NAME,
            at_key=True,
        )


def _series_problems(merged: Merged, key: KeyPath, text: str) -> Iterator[Problem]:
    found = list(check_syntax(text))
    if found:
        yield merged.problem(key, f'invalid series {text!r}: {found[0].message} (write metric{{label="value"}})', d.SERIES_SYNTAX)
        return
    if not _SERIES_RE.match(text.strip()):
        yield merged.problem(key, f'invalid series {text!r}: write one series, metric{{label="value"}}', d.SERIES_SYNTAX)
