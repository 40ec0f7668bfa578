"""The shape of a PromQL expression: its text with the names and matcher values that cannot change
what the parser decides replaced by placeholders.

Specs of thousands of alerts are mostly a few expressions written once per service, table or
team: `rate(svc17_requests_total{job="svc17"}[5m]) > 0.8` and the same with `svc18` parse alike.
`shape` turns both into `rate(Q0{Q1="v0"}[5m]) > 0.8`, so the parser (and the range pitfalls,
which read only functions and ranges) runs once per shape instead of once per alert.

What is replaced, and why the parser's verdict cannot change:

- a name (a metric or label name: `[A-Za-z_:][A-Za-z0-9_:]*`) becomes `Q<n>`, or `Q<n>:` when it
  holds a colon, numbered by first occurrence, so equal names stay equal and different names stay
  different (`on(a) group_left(a)` is an error, `on(a) group_left(b)` is not). Kept as written:
  keywords (`sum`, `by`, `offset`, `inf` ... in any case), every function name of every version,
  any name before `(` (a call: its name decides), names starting with `__` (`__name__` is special)
  and the words of newer syntax the parser explains (`smoothed`, `fill` ...). The lexer reads a
  name with a colon as a metric identifier and one without as an identifier in both forms, and the
  parser asks nothing else of such a name;
- the value of a string that follows `=` (a label matcher's `=` or `!=`, or a comparison, where a
  string is a type error whatever it says) becomes `"v<n>"`, numbered by value; an empty value
  stays empty (`{a=""}` matches the empty label, which the parser checks). Values after `=~` and
  `!~` (regular expressions), label names written as strings (`{"a.b"="c"}`), function arguments
  and everything in `[...]` (ranges, steps, duration arithmetic) are kept as written, as are
  numbers and durations.

An expression with anything the scanner here does not follow exactly like the lexer (a comment,
a backslash, a single quote or backquote string, a character outside printable ASCII) has no
shape (None) and is parsed as it is. The shape is only trusted one way: a shape the parser accepts
means the expression is accepted; any problem is always found (and positioned) on the expression
itself. tests/unit/test_promql_shape.py checks both directions over the PromQL corpus and
mutations of it.
"""

from __future__ import annotations

import functools
import re
import sys

from callalert.analysis.promql.functions import FUNCTIONS
from callalert.analysis.promql.lex import _KEYWORDS, _LIMIT_KEYWORDS

_UNSAFE = re.compile(r"[^\t\n\r\x20-\x7e]|[\\'`#]")
_PARTS = re.compile(
    r"(\[[^\]]*\])"  # 1: a range, a subquery's range and step, duration arithmetic: kept
    r"|(=[ \t\n\r]*)\"([^\"\n]+)\""  # 2, 3: a non-empty string after `=`
    r"|(\"[^\"\n]*\")"  # 4: any other string: kept
    r"|(?<![0-9A-Za-z_:.])([A-Za-z_:][A-Za-z0-9_:]*+)(?![ \t\n\r]*\()"  # 5: a name, not a call's
    r"|([\"\[])"  # 6: a quote or bracket that does not close on its line: no shape
)
# words the lexer or parser treats by their text (lower-cased where the lexer folds case)
_KEPT = frozenset(
    {*_KEYWORDS, *_LIMIT_KEYWORDS, *(name.lower() for name in FUNCTIONS)}
    | {"smoothed", "anchored", "fill", "fill_left", "fill_right"}
)


class _NoShape(Exception):
    pass


# big enough for every expression of a large spec: validation shapes each, and lint's analyses ask again
@functools.lru_cache(maxsize=16384)
def shape(expr: str) -> str | None:
    """`expr` with the names and `=` values that do not change its parse replaced (module doc);
    None when it cannot be given a shape."""
    if _UNSAFE.search(expr):
        return None
    names: dict[str, str] = {}
    values: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        group = match.lastindex
        if group == 5:
            word = match.group(5)
            if word.startswith("__") or word.lower() in _KEPT:
                return word
            found = names.get(word)
            if found is None:
                found = names[word] = f"Q{len(names)}:" if ":" in word else f"Q{len(names)}"
            return found
        if group == 3:
            value = match.group(3)
            found = values.get(value)
            if found is None:
                found = values[value] = f"v{len(values)}"
            return f'{match.group(2)}"{found}"'
        if group == 6:
            raise _NoShape
        return match.group()

    try:
        # one object per shape: the cache holds a shape for each of a large spec's expressions, most alike
        return sys.intern(_PARTS.sub(replace, expr))
    except _NoShape:
        return None
