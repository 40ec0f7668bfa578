"""Log lines that the tools mix into their output.

amtool ≥ 0.28 logs on stdout, in logfmt (`time=… level=WARN source=parse.go:176 msg="…" input=…`),
and the first record is glued to what it printed before: `Checking 'am.yml'time=… level=WARN …`
then `  SUCCESS` on the next line. `split_log` gives back the tool's own output without them, and
the records as data, so a caller can turn them into warnings instead of showing them as junk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

# A record starts with `time=<ts> level=` (log/slog) or `level=<lvl> ts=` (go-kit, older tools).
_START = re.compile(r"(?:\btime=\S+ level=\S+|\blevel=\S+ ts=\S+)(?= |$)")
_PAIR = re.compile(r'([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|\S*)')


@dataclass(frozen=True)
class LogRecord:
    fields: Mapping[str, str]

    @property
    def level(self) -> str:
        return self.fields.get("level", "").upper()

    @property
    def message(self) -> str:
        return self.fields.get("msg", "")

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return decoded if isinstance(decoded, str) else value
    return value


def parse_record(text: str) -> LogRecord:
    return LogRecord({key: _unquote(value) for key, value in _PAIR.findall(text)})


def split_log(output: str) -> tuple[str, list[LogRecord]]:
    """(the output without log records, the records in order)."""
    if "level=" not in output:
        return output, []
    kept: list[str] = []
    records: list[LogRecord] = []
    for line in output.splitlines(keepends=True):
        match = _START.search(line)
        if match is None:
            kept.append(line)
            continue
        body = line[match.start() :].rstrip("\r\n")
        records.append(parse_record(body))
        before = line[: match.start()]
        if before.strip():
            kept.append(before + ("\n" if line.endswith("\n") else ""))
    return "".join(kept), records


# The UTF-8 matchers parser's fallback (Alertmanager ≥ 0.27, matcher/compat): the classic parser
# read the input instead; the log names the input, where it came from and the UTF-8 parser's error.
FALLBACK_MESSAGE = "Alertmanager is moving to a new parser for labels and matchers"
DISAGREEMENT_MESSAGE = "Matchers input has disagreement"


def describe_record(record: LogRecord, tool: str) -> str:
    """One line for a log record of `tool` (e.g. "amtool 0.28.1")."""
    origin = {"config": "in the config", "cli": "on the command line"}.get(record.get("origin"), "")
    where = f" {origin}" if origin else ""
    if record.message.startswith(FALLBACK_MESSAGE):
        text = (
            f"{tool}: matcher {record.get('input')!r}{where} is not valid for the UTF-8 matchers parser "
            f"({record.get('err')}); it was read with the classic parser as a fallback"
        )
        if record.get("suggestion"):
            text += f"; write {record.get('suggestion')} to be valid for both"
        return text
    if record.message.startswith(DISAGREEMENT_MESSAGE):
        return (
            f"{tool}: matcher {record.get('input')!r}{where} means something else to the UTF-8 matchers parser "
            "than to the classic one; the classic reading is used"
        )
    extra = " ".join(
        f"{k}={v!r}" for k, v in record.fields.items() if k not in {"time", "ts", "level", "source", "caller", "msg"}
    )
    return f"{tool} logged {record.level or 'a record'}: {record.message}" + (f" ({extra})" if extra else "")
