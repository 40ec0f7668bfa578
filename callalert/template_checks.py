from __future__ import annotations
def check(resolved, merged):
    return iter(())
