"""The body of `callalert import`: options in, exit code out."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from callalert.errors import EXIT_OK, EXIT_PROBLEMS, UsageError
from callalert.spec.read import IMPORT_MARKER as MARKER
from callalert.spec.read import InputError, import_listing


def cmd_import(
    paths: Sequence[Path],
    out: Path | None,
    split: str,
    secrets_dir: Path | None,
    allow_loss: bool,
    verify: bool,
    fmt: str,
) -> int:
    from callalert import report
    from callalert.cli.errors import emit
    from callalert.diagnostics import summary
    from callalert.importer import ImportOptions, run_import

    report.check_format(fmt)
    if not paths:
        raise UsageError("give the files to import: rule files, alertmanager.yml, templates, Kubernetes objects, folders")
    if split != "none" and out is None:
        raise UsageError(f"--split {split} writes several files: give --out DIR")
    if out is not None and out.exists() and not out.is_dir() and (split != "none" or not _is_spec_file(out)):
        raise UsageError(f"--out {out}: give a folder, or a .yaml file name with --split none")
    result = run_import(paths, ImportOptions(split, secrets_dir, allow_loss, verify))
    templates = [name for name in result.files if name.startswith("templates/")]
    to_stdout = out is None
    if to_stdout and templates and result.ok:
        raise UsageError(f"the spec comes with {len(templates)} template file(s) to write beside it: give --out")
    emit(result.problems, fmt, stream=sys.stderr if to_stdout and fmt == "text" else None)
    if not result.ok:
        sys.stderr.write(f"{summary(result.problems)}; nothing written\n")
        return EXIT_PROBLEMS
    if to_stdout:
        sys.stdout.write(result.files["specs.yaml"])
    else:
        assert out is not None
        root, rename = _layout(out, split)
        # a spec file written into a folder (`--out specs/payments.yaml`) lists what it wrote in a marker
        # of its own, so that importing into another file of the same folder leaves its files alone
        marker = f".{out.name}{MARKER}" if rename else MARKER
        written = _write(root, {rename.get(k, k): v for k, v in result.files.items()}, marker)
        main = root / rename.get("specs.yaml", "specs.yaml")
        if secrets_dir is not None:
            from callalert.importer.secrets import write

            write(result.built, secrets_dir)
        others = _spec_arguments(root, [root / p for p in written if p.endswith(".yaml") and root / p != main])
        sys.stderr.write(f"wrote {main}" + (f" and {len(written) - 1} more file(s)" if len(written) > 1 else "") + "\n")
        sys.stderr.write(f"next: callalert validate {' '.join([str(main), *others])}\n")
    sys.stderr.write(_summary_line(result) + "\n")
    if result.proof is not None:
        sys.stderr.write(result.proof.summary() + "\n")
    return EXIT_OK


def _is_spec_file(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml")


def _layout(out: Path, split: str) -> tuple[Path, dict[str, str]]:
    """The folder files go to, and the name of the main spec file in it."""
    if split == "none" and _is_spec_file(out) and not out.is_dir():
        return out.parent, {"specs.yaml": out.name}
    return out, {}


def _write(root: Path, files: dict[str, str], marker_file: str) -> list[str]:
    """Write `files` under `root` (each atomically); remove what the previous import to the same
    output wrote (listed in `marker_file`) and this one does not; other files are left alone."""
    marker = root / marker_file
    try:
        previous = import_listing(root, marker_file)
    except InputError as exc:
        if exc.kind not in ("encoding", "too-large"):  # it could not be written either: nothing is written
            raise UsageError(
                f"{exc}; it lists the files import wrote into {root}: make it a readable file or remove it"
            ) from None
        sys.stderr.write(f"note: {exc}; the files an earlier import wrote into {root} are left as they are\n")
        previous = []
    root.mkdir(parents=True, exist_ok=True)
    for rel in previous:
        if rel and rel not in files and ".." not in Path(rel).parts:
            (root / rel).unlink(missing_ok=True)
    for rel, text in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, target)
    marker.write_text("".join(f"{rel}\n" for rel in sorted(files)), encoding="utf-8")
    return sorted(files)


def _summary_line(result: object) -> str:
    from callalert.importer import ImportResult

    assert isinstance(result, ImportResult)
    c = result.counts
    targets = ", ".join(f"{'Prometheus' if k == 'prometheus' else 'Alertmanager'} {v}" for k, v in result.targets.items())
    return (
        f"imported {len(result.inputs.sources)} file(s): {c['groups']} rule group(s) ({c['alerts']} alerts, "
        f"{c['records']} recording rules), {c['receivers']} receiver(s), {c['routes']} route(s), {c['templates']} "
        f"template file(s), {c['secrets']} secret(s); the spec targets {targets}"
    )


def _spec_arguments(root: Path, files: list[Path]) -> list[str]:
    """How to name `files` on a command line: a folder (`groups/`) when they are all its spec files
    (a command reads a folder argument as its spec files), else each file."""
    from callalert.spec.read import spec_files

    out: list[str] = []
    by_folder: dict[Path, list[Path]] = {}
    for path in files:
        by_folder.setdefault(path.parent, []).append(path)
    for folder, mine in by_folder.items():
        if folder != root and len(mine) > 1 and sorted(spec_files(folder)) == sorted(mine):
            out.append(f"{folder}/")
        else:
            out.extend(map(str, mine))
    return out


def note_unread_parts(specs: Sequence[Path]) -> None:
    """Say so on stderr when spec arguments name a folder import wrote a split spec into without
    naming its subfolders (`unread_parts`)."""
    note = unread_parts(specs)
    if note:
        sys.stderr.write(note)


def unread_parts(specs: Sequence[Path]) -> str | None:
    """A note for spec arguments that name a folder import wrote a split spec into, or a file of it,
    without the subfolders holding the rest of it (its marker lists their files: `groups/`,
    `teams/`): a folder argument reads the folder's own files only, so the spec would be read
    without them."""
    covered: set[Path] = set()  # folders named, and folders a named file is in
    for spec in specs:
        try:
            real = spec.resolve()
            covered.add(real if spec.is_dir() else real.parent)
        except (OSError, RuntimeError):
            continue
    missed: list[Path] = []
    for spec in specs:
        try:
            folder = spec if spec.is_dir() else spec.parent
            listed = import_listing(folder)
        except (OSError, InputError):
            continue
        if folder is not spec and spec.name not in listed:
            continue  # a file of the folder that import did not write
        for name in sorted({line.split("/", 1)[0] for line in listed if "/" in line and line.endswith(".yaml")}):
            sub = folder / name
            if sub.is_dir() and sub.resolve() not in covered and sub not in missed:
                missed.append(sub)
    if not missed:
        return None
    shown = ", ".join(f"{m}/" for m in missed)
    return (
        f"note: {shown} hold{'s' if len(missed) == 1 else ''} the rest of the spec `callalert import` wrote, which these "
        f"arguments leave out (a folder argument reads only its own files): name {'it' if len(missed) == 1 else 'them'} "
        f"too, e.g. `callalert validate {' '.join(str(s) for s in specs)} {' '.join(f'{m}/' for m in missed)}`\n"
    )
