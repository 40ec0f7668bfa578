"""Spec format versions: `version:` selects the format's top-level model."""

from __future__ import annotations

from pydantic import BaseModel

from callalert.spec import v1

# spec format version -> its top-level model
FORMATS: dict[int, type[BaseModel]] = {v1.VERSION: v1.Spec}
LATEST = max(FORMATS)
