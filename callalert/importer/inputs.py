"""What import reads, once unpacked from its packaging: rule groups, Alertmanager configurations,
templates, AlertmanagerConfig objects and the Kubernetes Secrets their references name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callalert.diagnostics import Problem
from callalert.importer.nodes import Pos, Y


@dataclass
class RuleSource:
    """The rule groups of one rule file (or of one object holding them)."""

    groups: Y  # the `groups:` list
    label: str  # what it is, for messages: the path, or the path and the object
    file_stem: str  # the rule file its groups come from (Prometheus: file; Mimir: namespace; Kubernetes: object)
    plain_path: Path | None = None  # a file promtool can check as it is (positions then need no mapping)


@dataclass
class TemplateSource:
    name: str  # file name, e.g. slack.tmpl
    text: str
    pos: Pos  # where it is written
    path: Path | None = None  # the file on disk (None: a key of a Secret, ConfigMap or Mimir/Helm map)
    explicit: bool = False  # given on the command line (not only reached through a `templates:` glob)


@dataclass
class AMSource:
    """One Alertmanager configuration and where its `templates:` globs look."""

    config: Y
    label: str
    text: str  # the configuration as written (what amtool checks)
    base_dir: Path | None = None  # relative globs resolve against it (the config file's folder)
    virtual: dict[str, TemplateSource] | None = None  # templates beside it by name (Secret keys, Mimir template_files)
    plain_path: Path | None = None  # a file amtool can check as it is
    # descriptions callalert's render wrote as comments at the top (a rendered alertmanager.yml)
    receiver_descriptions: dict[str, str] = field(default_factory=dict)
    inhibit_descriptions: dict[int, str] = field(default_factory=dict)


@dataclass
class OperatorConfig:
    """A Kubernetes AlertmanagerConfig (monitoring.coreos.com/v1alpha1)."""

    obj: Y
    namespace: str
    name: str
    label: str


@dataclass
class SecretValue:
    value: str
    pos: Pos


@dataclass
class Inputs:
    rules: list[RuleSource] = field(default_factory=list)
    ams: list[AMSource] = field(default_factory=list)
    templates: list[TemplateSource] = field(default_factory=list)  # given as files, not reached through a config
    operator_configs: list[OperatorConfig] = field(default_factory=list)
    k8s_secrets: dict[tuple[str, str], dict[str, SecretValue]] = field(default_factory=dict)  # (namespace, name) -> key -> value
    matcher_strategy: str | None = None  # an Alertmanager object's alertmanagerConfigMatcherStrategy.type
    am_namespace: str | None = None  # that object's namespace
    sources: list[str] = field(default_factory=list)  # every input file, as given (the spec's header names them)
    problems: list[Problem] = field(default_factory=list)
    comment_at: Pos | None = None  # the first comment met (comments are not carried: one note)
    texts: dict[str, str] = field(default_factory=dict)  # every input text, by display path
    unknown: list[tuple[Path, Pos]] = field(default_factory=list)  # files of no kind import knows (the tools say what is wrong)
