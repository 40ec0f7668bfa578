"""The spec: what users write. Format versions, loading with positions, overlays, reference docs.

`version:` selects the format's models through `formats.FORMATS`; a new format is a new module
here plus a resolver in `callalert.model`, and nothing after the model changes. This package
imports nothing itself, so reading YAML (`spec.load`) does not wait for the models (pydantic).
"""
