"""Lint on the second core (callalert/parallel.py does the forking): what is worth a child, and
how a parent and its child share work.

Three things of a large lint run go to a child:
- the position indexes of the files lint read (spec.load): a big spec, rule files, alertmanager.yml,
  built while this process validates the spec and analyses the rules, instead of with the first
  finding in each file (`lint._PositionsAhead`);
- a part of the per-rule analyses (`World.analyze_rules`): each rule's expression is analysed on
  its own, a pure function of the expression and of what the whole world says (the catalog), so
  the rules split between two processes and the results are put back where each rule's are kept.
  The parent takes rules from the front and the child from the back until they meet (`parallel.Claims`:
  the faster one does more). What weighs the kinds of metrics across every rule is finished by the
  parent once every rule is walked (smells.SmellFacts);
- a part of the lint rules themselves (`share`): each rule's findings are a pure function of the
  analysed world, so the parent runs rules from the front of the list and the child from the back
  until they meet, and the findings are put back in the list's order (`parallel.share`).

The findings are the same, in the same order, with the same messages and positions, as from one
process (tests/unit/test_lint_parallel.py compares both ways). A child that fails in any way gives
nothing back, and the parent does the work itself; where forking is not possible or not worth it
(callalert.parallel.can_fork: CALLALERT_JOBS=1, one usable core, not Linux; a small input) there is
no child.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from callalert import parallel

T = TypeVar("T")

# Below this many rules the analyses take about a tenth of a second: a child saves little, and on a
# busy machine costs more than it saves.
MIN_PARALLEL_RULES = 2_000
# Characters of files (together) whose position indexes are worth building ahead in a child (some 2,000 alerts).
MIN_PARALLEL_SPEC_CHARS = 800_000


def worth_a_child(size: int, minimum: int) -> bool:
    """Whether work of `size` (rules, characters) is worth a forked child here (`minimum` of it)."""
    return size >= minimum and parallel.can_fork()


def share(
    tasks: Sequence[Callable[[], T]],
    size: int,
    minimum: int,
    *,
    chunk: int = 1,
    pack: Callable[[dict[int, T]], dict[int, T]] | None = None,
) -> list[T]:
    """What each of `tasks` returns, in their order: shared with a forked child (parallel.share)
    when work of `size` is worth one (`minimum` of it), else all in this process."""
    if not worth_a_child(size, minimum):
        return [task() for task in tasks]
    return parallel.share(tasks, chunk=chunk, pack=pack)
