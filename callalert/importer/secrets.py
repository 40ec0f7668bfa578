"""Secrets never travel: a literal secret of the input becomes a reference in the spec, and its
value goes to a file in --secrets-dir (mode 0600, the folder 0700), never to the spec, the
terminal or a problem message."""

from __future__ import annotations

import os
import re
from pathlib import Path

from callalert import diagnostics as d
from callalert.importer.build import Built, Secret
from callalert.importer.nodes import Y

# Where the spec says Alertmanager reads the secret files when no --secrets-dir is given (the
# files are then for you to create there; import lists them).
DEFAULT_SECRETS_DIR = "/etc/alertmanager/secrets"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "secret"


class SecretStore:
    def __init__(self, out: Built) -> None:
        self.out = out
        self.names: set[str] = set()

    def _name(self, hint: str) -> str:
        base = _slug(hint)
        name, n = base, 2
        while name in self.names:
            name = f"{base}-{n}"
            n += 1
        self.names.add(name)
        return name

    def add(self, y: Y, what: str, hint: str, value: str | None, *, env: bool = False, missing: str = "") -> dict[str, str]:
        """The reference that replaces a secret of the input: `{file: ...}`, or `{env: ...}` where
        Alertmanager has no `*_file` variant (`env`). `value` None: not among the inputs (`missing` says where)."""
        secret = Secret(self._name(hint), value, y.pos(), y.where, what, missing=missing)
        secret.ref["env" if env else "file"] = ""  # filled in by finish()
        self.out.secrets.append(secret)
        return secret.ref


def finish(out: Built, secrets_dir: Path | None) -> None:
    """Fill every reference and report what must move (names and paths only, never values)."""
    where = str(secrets_dir.absolute()) if secrets_dir is not None else DEFAULT_SECRETS_DIR
    for secret in out.secrets:
        if "env" in secret.ref:
            secret.ref["env"] = "CALLALERT_SECRET_" + re.sub(r"[^A-Za-z0-9]+", "_", secret.name).upper().strip("_")
        else:
            secret.ref["file"] = f"{where}/{secret.name}"
        if secret.value is None:
            out.add(
                secret.pos,
                f"the value is in {secret.missing}, which is not among the inputs: give that Secret to import, or "
                f"write the value to {_target(secret, where)} yourself",
                d.IMPORT_SECRET,
                key=secret.where,
                level="warning" if secrets_dir is not None else None,
            )
        elif secrets_dir is None:
            out.add(
                secret.pos,
                f"a secret written in the input: it must move to {_target(secret, where)} "
                "(give --secrets-dir DIR and import writes it there)",
                d.IMPORT_SECRET,
                key=secret.where,
            )
        elif "env" in secret.ref:
            out.add(
                secret.pos,
                "Alertmanager cannot read it from a file, so the spec takes it from the environment "
                f"variable {secret.ref['env']} (render with --secrets=env; its value is in {where}/{secret.name})",
                d.IMPORT_NOTE,
                key=secret.where,
            )


def _target(secret: Secret, where: str) -> str:
    if "env" in secret.ref:
        return f"the environment variable {secret.ref['env']} (render with --secrets=env)"
    return f"{where}/{secret.name}"


def write(out: Built, secrets_dir: Path) -> list[Path]:
    """Write every known secret value to its file: the folder 0700, each file 0600."""
    written: list[Path] = []
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(secrets_dir, 0o700)
    for secret in out.secrets:
        if secret.value is None:
            continue
        path = secrets_dir / secret.name
        tmp = secrets_dir / f".{secret.name}.tmp-{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(secret.value)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        written.append(path)
    return written


def values(out: Built) -> list[str]:
    """Every secret value known (to redact tool output; never shown)."""
    return sorted({s.value for s in out.secrets if s.value}, key=len, reverse=True)
