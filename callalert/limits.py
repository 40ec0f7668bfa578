"""Every bound callalert puts on its inputs and on its own work, in one place.

Input beyond a bound is refused with a clear, positioned error instead of exhausting memory, the
stack or the reader's patience. docs/bad-input.md lists these numbers and why each was chosen
(tests/unit/test_bad_input.py checks that it names every one).
"""

from __future__ import annotations

import sys

# One input file (spec, overlay, template, --config, --metrics, a linted file). A 10,000-alert
# spec is about 5 MB; reading stops here instead of filling memory (a FIFO or /dev/zero).
MAX_INPUT_BYTES = 32 * 1024 * 1024

# Nesting of YAML collections. libyaml stops at 1,000; deeper files are read by PyYAML's Python
# parser up to this bound (amtool reads an alertmanager.yml with 1,500 route levels: 3,000).
MAX_YAML_DEPTH = 5_000

# Levels of a route tree, in a spec or an alertmanager.yml (amtool 0.25 accepts 1,500).
MAX_ROUTE_DEPTH = 2_000

# Nested Go template actions ({{ if }}, {{ range }}, {{ with }}, {{ block }}) and parentheses
# (amtool 0.25 renders 400 levels; Go's own parser stops parentheses at 10,000).
MAX_TEMPLATE_DEPTH = 1_000

# One output file name made from a spec name (a rule group's or an alert's): most file systems
# allow 255 bytes; the rest is left for suffixes like `.test.yml`.
MAX_FILE_NAME_BYTES = 200

# Characters of a user's value echoed in a message; longer values are cut ("… (N bytes)").
SHOWN_CHARS = 80
# Characters of one whole message (a net under SHOWN_CHARS for messages quoting other text).
MAX_MESSAGE_CHARS = 1_000

# Seconds a command may spend talking to Alertmanager in total (drill, silences), over every
# request; each read also times out after DEFAULT_READ_TIMEOUT seconds without a byte.
NETWORK_DEADLINE = 30.0
DEFAULT_READ_TIMEOUT = 5.0
# Seconds `silences apply|expire` wait for the other peers of an Alertmanager cluster to show a change
# made on one (gossip takes well under a second on a healthy cluster); `--sync-timeout` changes it.
CLUSTER_SYNC_TIMEOUT = 30.0
# Bytes of one Alertmanager API reply callalert reads.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

# Python frames the deep inputs above need (a route level costs about 8 in the YAML dumper).
RECURSION_LIMIT = 40_000


def ensure_recursion_limit() -> None:
    """Raise Python's recursion limit so inputs within the bounds above never hit it. Only raises
    (so concurrent callers cannot lower it under each other); Python 3.11 keeps Python-to-Python
    calls off the C stack, so the higher limit costs nothing until it is used."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


def pause_gc() -> None:
    """Turn off Python's cyclic garbage collector for the rest of a command line run.

    A spec of 10,000 alerts is some 300,000 YAML nodes, dicts and models that all stay alive until
    the run ends; each collection would walk every one of them again (half of `validate`'s time at
    that size, and no memory back: nothing of it is garbage). Reference counting still frees
    everything that is not a cycle, and every command is a bounded batch run."""
    import gc

    gc.disable()
