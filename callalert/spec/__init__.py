"""The spec: what users write. Format versions, loading with positions, overlays, reference docs.

`version:` selects the format's models through `FORMATS`; a new format is a new module here
plus a resolver in `callalert.model`, and nothing after the model changes.
"""

from __future__ import annotations

from pydantic import BaseModel

from callalert.spec import v1

# spec format version -> its top-level model
FORMATS: dict[int, type[BaseModel]] = {v1.VERSION: v1.Spec}
LATEST = max(FORMATS)
