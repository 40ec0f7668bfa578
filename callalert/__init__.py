"""callalert: one alerting spec, every artefact, proven against the real tools."""

__version__ = "0.1.0"
