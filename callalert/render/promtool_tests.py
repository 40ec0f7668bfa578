"""promtool unit-test files compiled from the spec's rule tests: `prometheus/tests/`.

Users can run them without callalert: `promtool test rules prometheus/tests/*.test.yml`.
"""

from __future__ import annotations

from callalert.model.resolve import Resolved


def render(resolved: Resolved) -> dict[str, str]:
    if not resolved.spec.tests.rules:
        return {}
    from callalert.check import spec_tests

    return spec_tests.render(resolved)
