"""Lint on the second core (callalert/parallel.py does the forking): what is worth a child, and
how a parent and its child share work.

Three things of a large lint run go to a child:
- the position index of a big spec file (spec.load), built while this process validates the spec,
  instead of after, with the first finding (`lint._PositionsAhead`);
- a part of the per-rule analyses (`World.analyze_rules`): each rule's expression is analysed on
  its own, a pure function of the expression and of what the whole world says (the catalog), so
  the rules split between two processes and the results are put back where each rule's are kept.
  The parent takes rules from the front and the child from the back until they meet (`Claims`:
  the faster one does more). What weighs the kinds of metrics across every rule is finished by the
  parent once every rule is walked (smells.SmellFacts);
- a part of the lint rules themselves (`share`): each rule's findings are a pure function of the
  analysed world, so the parent runs rules from the front of the list and the child from the back
  until they meet, and the findings are put back in the list's order.

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
from callalert.parallel import Claims

T = TypeVar("T")

# Below this many rules the analyses take about a tenth of a second: a child saves little, and on a
# busy machine costs more than it saves.
MIN_PARALLEL_RULES = 2_000
# Characters of spec files whose position index is worth building ahead in a child (some 2,000 alerts).
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
    """What each of `tasks` returns, in their order. With work of `size` worth a child (`minimum`
    of it), this process runs tasks from the front and a forked child from the back, `chunk` at a
    time, until they meet (`Claims`); a task the child does not give back (it failed) runs here.
    `pack`: what the child's results become before they are sent (to pickle smaller)."""
    if len(tasks) < 2 or not worth_a_child(size, minimum):
        return [task() for task in tasks]
    claims = Claims(len(tasks), chunk)

    def work() -> dict[int, T]:
        done: dict[int, T] = {}
        while taken := claims.back():
            for i in taken:
                done[i] = tasks[i]()
        return done if pack is None else pack(done)

    child = parallel.start(work)
    if child is None:
        claims.close()
        return [task() for task in tasks]
    mine: dict[int, T] = {}
    try:
        while taken := claims.front():
            for i in taken:
                mine[i] = tasks[i]()
        theirs = child.result() or {}
    finally:
        claims.close()
        child.stop()
    return [mine[i] if i in mine else theirs[i] if i in theirs else task() for i, task in enumerate(tasks)]
