"""The label sets a routing proof sends through both configurations: every combination of the
label values the configurations' matchers mention (near misses and absence included) while that
stays small, a covering sample beyond; each rule's static labels; random extra labels."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Mapping, Sequence

from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import Route

EXHAUSTIVE_LIMIT = 4096  # all combinations up to this many label sets
SAMPLE_SIZE = 3000  # beyond it: route hits, one-value changes of each, and this many random ones
EXTRA_LABELS = {"instance": ("host-1:9100", "host-2:9100"), "job": ("node", "api"), "zz_extra": ("1", 'q"u,o\\te')}
_META = re.compile(r"[\\^$()\[\]{}?*+|.]")


def regex_candidates(pattern: str) -> set[str]:
    """Strings near a regex: its alternatives made literal, each with a character more or fewer."""
    out = {pattern, pattern + "x", "x" + pattern, "x"}
    for alt in pattern.split("|"):
        literal = alt.replace(".*", "").replace(".+", "a").replace("\\.", ".").replace("\\", "")
        literal = _META.sub("", literal)
        out.update({literal, literal + "x", literal[:-1], literal.upper()})
    return out


def matcher_candidates(m: Matcher) -> set[str]:
    if m.op in ("=", "!="):
        return {m.value, m.value + "x", m.value[:-1], m.value.upper()}
    return regex_candidates(m.value)


def _satisfy(matchers: Iterable[Matcher], pool: Mapping[str, Sequence[str]]) -> dict[str, str] | None:
    labels: dict[str, str] = {}
    by_name: dict[str, list[Matcher]] = {}
    for m in matchers:
        by_name.setdefault(m.name, []).append(m)
    for name, ms in by_name.items():
        for value in pool.get(name, ()):
            if all(m.matches_value(value) for m in ms):
                labels[name] = value
                break
        else:
            return None
    return {k: v for k, v in labels.items() if v != ""}


def label_sets(
    trees: Sequence[Route], extra_matchers: Iterable[Matcher], static: Sequence[Mapping[str, str]], seed: int = 0
) -> tuple[list[dict[str, str]], bool]:
    """(label sets, whether they are every combination of the candidate values)."""
    pool_sets: dict[str, set[str]] = {}
    routes = [r for tree in trees for r in tree.walk()]
    for m in [*(m for r in routes for m in r.matchers), *extra_matchers]:
        pool_sets.setdefault(m.name, set()).update(matcher_candidates(m))
    for labels in static:
        for name, value in labels.items():
            pool_sets.setdefault(name, set()).add(value)
    pool = {name: ["", *sorted(values - {""})] for name, values in sorted(pool_sets.items())}  # "" = absent
    names = sorted(pool)
    total = 1
    for name in names:
        total *= len(pool[name])
    sets: list[dict[str, str]] = []
    exhaustive = total <= EXHAUSTIVE_LIMIT
    if exhaustive:
        for combo in itertools.product(*(pool[n] for n in names)):
            sets.append({n: v for n, v in zip(names, combo, strict=True) if v != ""})
    else:
        hits = [h for h in (_satisfy(r.path_matchers(), pool) for r in routes) if h is not None]
        for hit in hits:
            sets.append(hit)
            for name in names:  # every one-value change of every route's hit
                for value in pool[name]:
                    changed = {**hit, name: value}
                    sets.append({k: v for k, v in changed.items() if v != ""})
        rng = random.Random(seed)
        for _ in range(SAMPLE_SIZE):
            chosen = {n: rng.choice(pool[n]) for n in names}
            sets.append({k: v for k, v in chosen.items() if v != ""})
    for labels in static:
        sets.append(dict(labels))
        for hit in sets[: min(len(sets), 20)]:
            sets.append({**hit, **labels})
    rng = random.Random(seed + 1)
    extras = sorted(EXTRA_LABELS)
    with_extra = []
    for labels in sets[:: max(1, len(sets) // 200)]:
        name = rng.choice(extras)
        with_extra.append({**labels, name: rng.choice(EXTRA_LABELS[name])})
    sets.extend(with_extra)
    unique: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for s in sets:
        unique.setdefault(tuple(sorted(s.items())), s)
    return list(unique.values()), exhaustive
