"""Live test harness: fake exporters, notification sinks and real Prometheus/Alertmanager processes.

Everything binds 127.0.0.1. Servers run in daemon threads; processes are terminated (then killed)
when their context manager exits, and an atexit hook kills whatever a crash left behind.

Debian's prometheus-alertmanager reads its default templates from the fixed path
/usr/share/prometheus/alertmanager/{default,email}.tmpl, not from beside the binary. A toolchain
installed side by side (.tools/<suite>/usr/bin/prometheus-alertmanager) therefore runs in a private
mount namespace with its own usr/share laid over /usr/share (a read-only overlay), so it starts on a
machine without the system package and never reads another version's templates.
"""

from __future__ import annotations

import atexit
import email
import email.policy
import functools
import json
import math
import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

import httpx
import yaml

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


def free_port() -> int:
    """A port that was free a moment ago (the kernel picks it); callers retry on a bind race."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> float:
    """Poll `check` until true; returns seconds waited, raises AssertionError naming `what`."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Threaded HTTP servers


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class _ThreadedServer:
    """Owns a ThreadingHTTPServer on an ephemeral loopback port."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Exporter


DEFAULT_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)

# The seed's metrics with their types and help text; anything else defaults to a gauge.
SEED_METRICS: dict[str, tuple[str, str]] = {
    "call_latency_seconds": ("histogram", "Call latency in seconds."),
    "ai_response_time_seconds": ("histogram", "AI response time in seconds."),
    "audio_quality_score": ("gauge", "Audio quality score (0-1)."),
    "ai_sentiment_score": ("gauge", "Conversation sentiment score (-1..1)."),
    "total_calls": ("counter", "Calls by final status."),
    "elevenlabs_errors_total": ("counter", "ElevenLabs API errors."),
    "process_cpu_seconds_total": ("counter", "CPU seconds used by the process."),
    "process_resident_memory_bytes": ("gauge", "Resident memory in bytes."),
    "probe_success": ("gauge", "Whether the probe succeeded."),
}

LabelKey = tuple[tuple[str, str], ...]


def _label_key(labels: Mapping[str, str]) -> LabelKey:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _fmt_labels(key: LabelKey, extra: Sequence[tuple[str, str]] = ()) -> str:
    pairs = [*key, *extra]
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _fmt_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def _fmt_le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


@dataclass
class _Histogram:
    bounds: tuple[float, ...]
    counts: list[int]  # per bucket (not cumulative); last is the +Inf overflow bucket
    sum: float = 0.0


@dataclass
class _Rate:
    base: float
    per_second: float
    since: float


class Exporter(_ThreadedServer):
    """Serves Prometheus text format at /metrics with values the test controls.

    exporter.set("audio_quality_score", 0.5)
    exporter.set("total_calls", 10, status="failed")
    exporter.inc("elevenlabs_errors_total", 3)
    exporter.set_rate("total_calls", 2.0, status="failed")      # counter grows 2/s, computed at scrape time
    exporter.observe("call_latency_seconds", 12.0, n=100)        # 100 observations of 12s
    exporter.observe_histogram("call_latency_seconds", {0.5: 10, 20: 5})  # 10 obs at 0.5s, 5 at 20s
    exporter.set_histogram("call_latency_seconds", {1: 4, 10: 9}, sum=50)  # cumulative counts
    exporter.healthy = False                                     # /metrics answers 503 -> up == 0
    """

    def __init__(self, types: Mapping[str, str] | None = None, buckets: Mapping[str, Sequence[float]] | None = None) -> None:
        self._lock = threading.Lock()
        self._types: dict[str, str] = {name: kind for name, (kind, _) in SEED_METRICS.items()}
        self._types.update(types or {})
        self._bounds: dict[str, tuple[float, ...]] = {name: tuple(sorted(b)) for name, b in (buckets or {}).items()}
        self._values: dict[str, dict[LabelKey, float | _Rate]] = {}
        self._histograms: dict[str, dict[LabelKey, _Histogram]] = {}
        self.healthy = True
        self.scrapes = 0
        super().__init__(_ExporterHandler)

    # gauges and counters

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values.setdefault(name, {})[_label_key(labels)] = float(value)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        with self._lock:
            series = self._values.setdefault(name, {})
            key = _label_key(labels)
            series[key] = self._current(series.get(key, 0.0)) + amount

    def set_rate(self, name: str, per_second: float, **labels: str) -> None:
        """Make a counter grow at `per_second` from its current value, evaluated at scrape time."""
        with self._lock:
            series = self._values.setdefault(name, {})
            key = _label_key(labels)
            series[key] = _Rate(self._current(series.get(key, 0.0)), per_second, time.monotonic())

    def remove(self, name: str, **labels: str) -> None:
        with self._lock:
            if labels:
                self._values.get(name, {}).pop(_label_key(labels), None)
                self._histograms.get(name, {}).pop(_label_key(labels), None)
            else:
                self._values.pop(name, None)
                self._histograms.pop(name, None)

    @staticmethod
    def _current(value: float | _Rate) -> float:
        if isinstance(value, _Rate):
            return value.base + value.per_second * (time.monotonic() - value.since)
        return value

    # histograms

    def _hist(self, name: str, labels: Mapping[str, str]) -> _Histogram:
        series = self._histograms.setdefault(name, {})
        key = _label_key(labels)
        if key not in series:
            bounds = self._bounds.get(name, DEFAULT_BUCKETS)
            series[key] = _Histogram(bounds, [0] * (len(bounds) + 1))
        return series[key]

    def observe(self, name: str, value: float, n: int = 1, **labels: str) -> None:
        with self._lock:
            hist = self._hist(name, labels)
            index = next((i for i, bound in enumerate(hist.bounds) if value <= bound), len(hist.bounds))
            hist.counts[index] += n
            hist.sum += value * n

    def observe_histogram(self, name: str, buckets: Mapping[float, int], **labels: str) -> None:
        """Add `count` observations at each given value (use bucket bounds for exact placement)."""
        for value, count in buckets.items():
            self.observe(name, float(value), n=count, **labels)

    def set_histogram(self, name: str, buckets: Mapping[float, int], sum: float, **labels: str) -> None:
        """Set cumulative bucket counters directly: {le: cumulative count}; +Inf defaults to the largest."""
        with self._lock:
            hist = self._hist(name, labels)
            cumulative = {float(k): v for k, v in buckets.items()}
            unknown = set(cumulative) - set(hist.bounds) - {math.inf}
            if unknown:
                raise ValueError(f"{name}: buckets {sorted(unknown)} are not among {hist.bounds}")
            previous = 0
            for i, bound in enumerate((*hist.bounds, math.inf)):
                total = cumulative.get(bound, max([previous, *(v for k, v in cumulative.items() if k <= bound)]))
                hist.counts[i] = total - previous
                previous = total
            hist.sum = sum

    # exposition

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            names = sorted(set(self._values) | set(self._histograms))
            for name in names:
                kind = self._types.get(name, "gauge")
                help_text = SEED_METRICS.get(name, ("", f"{name} (test exporter)"))[1]
                lines.append(f"# HELP {name} {help_text}")
                lines.append(f"# TYPE {name} {kind}")
                for key, value in sorted(self._values.get(name, {}).items()):
                    lines.append(f"{name}{_fmt_labels(key)} {_fmt_value(self._current(value))}")
                for key, hist in sorted(self._histograms.get(name, {}).items()):
                    running = 0
                    for bound, count in zip((*hist.bounds, math.inf), hist.counts, strict=True):
                        running += count
                        lines.append(f"{name}_bucket{_fmt_labels(key, [('le', _fmt_le(bound))])} {running}")
                    lines.append(f"{name}_sum{_fmt_labels(key)} {_fmt_value(hist.sum)}")
                    lines.append(f"{name}_count{_fmt_labels(key)} {running}")
        return "\n".join(lines) + "\n"


class _ExporterHandler(_QuietHandler):
    def do_GET(self) -> None:
        exporter: Exporter = self.server.owner  # type: ignore[attr-defined]
        if self.path.split("?")[0] != "/metrics":
            self._send(404, b"not found\n", "text/plain")
            return
        exporter.scrapes += 1
        if not exporter.healthy:
            self._send(503, b"unhealthy\n", "text/plain")
            return
        self._send(200, exporter.render().encode(), "text/plain; version=0.0.4; charset=utf-8")


# --------------------------------------------------------------------------------------------
# Sinks


class _Recorder(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []
        self._cond = threading.Condition()

    def _record(self, item: T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    @property
    def received(self) -> list[T]:
        with self._cond:
            return list(self._items)

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def wait_for(self, predicate: Callable[[T], bool] = lambda _: True, timeout: float = 10.0, count: int = 1) -> list[T]:
        """Block until `count` recorded items match `predicate`; returns them (in arrival order)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matches = [item for item in self._items if predicate(item)]
                if len(matches) >= count:
                    return matches
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(f"  {item!r}"[:2000] for item in self._items) or "  (nothing)"
                    raise AssertionError(
                        f"{type(self).__name__}: {len(matches)}/{count} matching item(s) after {timeout:.1f}s; received:\n{seen}"
                    )
                self._cond.wait(remaining)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"HttpRequest({self.method} {self.path} {self.body[:1500]!r})"


class HttpSink(_ThreadedServer, _Recorder[HttpRequest]):
    """Records every request (webhook, Slack incoming webhook, PagerDuty events API) and answers `status`."""

    def __init__(self, status: int = 200, body: bytes = b"ok", content_type: str = "text/plain") -> None:
        _Recorder.__init__(self)
        self.status = status
        self.response_body = body
        self.content_type = content_type
        _ThreadedServer.__init__(self, _SinkHandler)

    def url_for(self, path: str) -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    def requests_to(self, path: str) -> list[HttpRequest]:
        return [r for r in self.received if r.path == path]

    def wait_for_path(self, path: str, timeout: float = 10.0, count: int = 1) -> list[HttpRequest]:
        return self.wait_for(lambda r: r.path == path, timeout=timeout, count=count)


class _SinkHandler(_QuietHandler):
    def _handle(self) -> None:
        sink: HttpSink = self.server.owner  # type: ignore[attr-defined]
        body = self._read_body()
        sink._record(HttpRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self._send(sink.status, sink.response_body, sink.content_type)

    do_POST = do_PUT = do_GET = _handle


@dataclass(frozen=True)
class Mail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    received_at: float = field(default_factory=time.monotonic)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def _part(self, subtype: str) -> str | None:
        part = self.message.get_body(preferencelist=(subtype,))
        # SMTP carries CRLF line ends; tests compare against Python strings.
        return None if part is None else str(part.get_content()).replace("\r\n", "\n")

    @property
    def html(self) -> str | None:
        return self._part("html")

    @property
    def text(self) -> str | None:
        return self._part("plain")

    def __repr__(self) -> str:
        return f"Mail(from={self.mail_from!r}, to={list(self.rcpt_tos)!r}, subject={self.subject!r})"


class SmtpSink(_Recorder[Mail]):
    """An aiosmtpd server on loopback without TLS or AUTH (Alertmanager needs `require_tls: false`)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        super().__init__()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                sink._record(Mail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
                return "250 Message accepted for delivery"

            async def handle_EHLO(
                self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
            ) -> list[str]:
                # With this 5-argument hook aiosmtpd leaves the session to us; without host_name MAIL gets 503.
                session.host_name = hostname
                sink.ehlo_hostnames.append(hostname)
                return responses

        self.ehlo_hostnames: list[str] = []
        last: Exception | None = None
        for _ in range(5):
            self.port = free_port()
            self._controller = Controller(Handler(), hostname=LOOPBACK, port=self.port)
            try:
                self._controller.start()
                break
            except (OSError, RuntimeError) as exc:  # port grabbed in between: pick another
                last = exc
        else:
            raise RuntimeError(f"could not start the SMTP sink: {last}")

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def close(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Managed Prometheus / Alertmanager processes


_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()


class ManagedProcess:
    """Start a server binary on a loopback port, wait for /-/ready, always stop it."""

    name = "process"
    started: ClassVar[list[ManagedProcess]] = []  # every instance this session, for showing logs on failure

    def __init__(self, binary: str, workdir: Path, port: int | None, extra_args: Sequence[str], ready_timeout: float) -> None:
        self.binary = binary
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.fixed_port = port
        self.port = port or 0
        self.extra_args = list(extra_args)
        self.ready_timeout = ready_timeout
        self.log_path = self.workdir / f"{self.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0
        self.started_at = 0.0
        self.args: list[str] = []

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write config files before the (first) start."""

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> Self:
        self.prepare()
        self.started_at = time.monotonic()
        for _attempt in range(3):
            self.port = self.fixed_port or free_port()
            self.args = self.command()
            with open(self.log_path, "ab") as log:
                log.write(f"$ {shlex.join(self.args)}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    self.args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.workdir
                )
            _LIVE.add(self.proc)
            ManagedProcess.started.append(self)
            try:
                self._wait_ready()
                self.startup_seconds = time.monotonic() - self.started_at
                return self
            except _PortTaken:
                self._stop()
                moved = self.rebind(self.log())
                if self.fixed_port and not moved:
                    break
        raise RuntimeError(f"{self.name} could not bind a port; log:\n{self.log()}")

    def rebind(self, log: str) -> bool:
        """After "address already in use": move a port of its own other than the web port, if that
        was the one taken (the web port, unless fixed, is picked again anyway)."""
        return False

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    text = self.log()
                    if "address already in use" in text[-2000:]:
                        raise _PortTaken()
                    raise RuntimeError(f"{self.name} exited with code {self.proc.returncode} during startup:\n{text}")
                try:
                    if client.get(f"{self.url}/-/ready").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready after {self.ready_timeout}s:\n{self.log()}")
                time.sleep(0.02)

    def _stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        _LIVE.discard(proc)

    def stop(self) -> None:
        self._stop()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def reload(self) -> None:
        """POST /-/reload (needs --web.enable-lifecycle, which both wrappers pass)."""
        response = httpx.post(f"{self.url}/-/reload", timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} reload failed: HTTP {response.status_code} {response.text}\n{self.log()[-3000:]}")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class _PortTaken(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Debian's Alertmanager and its fixed template path

SYSTEM_TEMPLATES = Path("/usr/share/prometheus/alertmanager")
TEMPLATE_FILES = ("default.tmpl", "email.tmpl")
_OVERLAY_SCRIPT = 'mount -t overlay overlay -o "lowerdir=$1:/usr/share" /usr/share && shift && exec "$@"'


class NamespaceUnavailable(RuntimeError):
    """The private mount namespace a side-by-side Debian Alertmanager needs cannot be made here."""


def alertmanager_share(binary: str) -> Path | None:
    """The usr/share to lay over /usr/share for the Alertmanager server `binary`, or None when it
    needs none: a system package (its templates are at the fixed path), an upstream build (they are
    built in), or a toolchain whose templates are byte for byte the ones already at the fixed path."""
    real = Path(os.path.realpath(shutil.which(binary) or binary))
    share = real.parent.parent / "share"
    own = share / "prometheus" / "alertmanager"
    if share == Path("/usr/share") or not (own / "default.tmpl").is_file():
        return None
    same = all(
        (SYSTEM_TEMPLATES / name).is_file() and (SYSTEM_TEMPLATES / name).read_bytes() == (own / name).read_bytes()
        for name in TEMPLATE_FILES
        if (own / name).is_file()
    )
    return None if same else share


@functools.cache
def overlay_prefix(share: str) -> tuple[str, ...]:
    """The command prefix that runs a program with `share` laid over /usr/share: `unshare --mount`
    as root, else a user namespace (`unshare --user --map-root-user --mount`). Tried once, proven
    by comparing the overlaid default.tmpl; raises NamespaceUnavailable saying what failed."""
    variants: list[tuple[str, ...]] = []
    if os.geteuid() == 0:
        variants.append(("unshare", "--mount", "--propagation", "private"))
    variants.append(("unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"))
    probe = ("cmp", f"{share}/prometheus/alertmanager/default.tmpl", str(SYSTEM_TEMPLATES / "default.tmpl"))
    failures: list[str] = []
    for variant in variants:
        prefix = (*variant, "sh", "-c", _OVERLAY_SCRIPT, "sh", share)
        try:
            proc = subprocess.run([*prefix, *probe], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            failures.append(f"$ {shlex.join([*prefix, *probe])}\n    {exc}")
            continue
        if proc.returncode == 0:
            return prefix
        failures.append(f"$ {shlex.join([*prefix, *probe])}\n    exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()}")
    raise NamespaceUnavailable(
        f"Debian's prometheus-alertmanager reads its templates from {SYSTEM_TEMPLATES}/, and this machine has "
        + ("other ones there" if (SYSTEM_TEMPLATES / "default.tmpl").exists() else "none there")
        + f"; the harness lays {share} over /usr/share in a private mount namespace, which failed here:\n"
        + "\n".join(failures)
        + "\nRun the live tests as root, enable unprivileged user namespaces "
        "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0), "
        "or install the same prometheus-alertmanager system-wide."
    )


class AlertmanagerProcess(ManagedProcess):
    """prometheus-alertmanager with storage in `workdir`: clustering disabled, or with `cluster_port`
    a peer of a gossip cluster on loopback (`peers`: the other peers' cluster addresses)."""

    name = "alertmanager"

    def __init__(
        self,
        config_file: Path | str,
        *,
        workdir: Path | None = None,
        port: int | None = None,
        binary: str = "prometheus-alertmanager",
        extra_args: Sequence[str] = (),
        ready_timeout: float = 15.0,
        cluster_port: int | None = None,
        peers: Sequence[str] = (),
    ) -> None:
        self.config_file = Path(config_file).resolve()
        self.cluster_port = cluster_port
        self.peers = list(peers)
        super().__init__(binary, workdir or self.config_file.parent, port, extra_args, ready_timeout)

    def rebind(self, log: str) -> bool:
        """The cluster port, taken between picking and binding it, is picked again. Loopback
        connections take ports of the same range: a peer started earlier, joining this one before it
        listens, can even connect to itself on exactly that port. The peers started before still name
        the old address; this one joins them, and gossip tells them where it is."""
        if self.cluster_port is not None and f":{self.cluster_port}: bind: address already in use" in log[-2000:]:
            self.cluster_port = free_port()
            return True
        return False

    def cluster_args(self) -> list[str]:
        if self.cluster_port is None:
            # An empty address disables the gossip cluster (otherwise it binds 0.0.0.0:9094).
            return ["--cluster.listen-address="]
        return [
            f"--cluster.listen-address={LOOPBACK}:{self.cluster_port}",
            f"--cluster.advertise-address={LOOPBACK}:{self.cluster_port}",
            *(f"--cluster.peer={peer}" for peer in self.peers),
            # a test's seconds, not production's minutes: gossip every 50ms, full state syncs every 2s,
            # and 2s (not 15s) between one peer's turn to notify and the next one's
            "--cluster.gossip-interval=50ms",
            "--cluster.pushpull-interval=2s",
            "--cluster.settle-timeout=2s",
            "--cluster.peer-timeout=2s",
            "--cluster.probe-interval=200ms",
            "--cluster.probe-timeout=200ms",
            "--cluster.reconnect-interval=1s",
        ]

    def command(self) -> list[str]:
        share = alertmanager_share(self.binary)
        prefix = list(overlay_prefix(str(share))) if share is not None else []
        return [
            *prefix,
            self.binary,
            f"--config.file={self.config_file}",
            f"--storage.path={self.workdir / 'alertmanager-data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            *self.cluster_args(),
            "--web.external-url=" + self.url,
            *self.extra_args,
        ]

    def status(self) -> dict[str, Any]:
        return dict(self.get("/api/v2/status"))

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("/api/v2/alerts", **params))


class PrometheusProcess(ManagedProcess):
    """prometheus with a generated prometheus.yml: 1s scrape/evaluation, given rules, targets and Alertmanager."""

    name = "prometheus"

    def __init__(
        self,
        config_dir: Path | str,
        rule_files: Sequence[Path | str] = (),
        scrape_targets: Mapping[str, Sequence[str] | str] | None = None,
        alertmanager_url: str | Sequence[str] | None = None,
        eval_interval: str = "1s",
        *,
        scrape_interval: str = "1s",
        port: int | None = None,
        binary: str = "prometheus",
        extra_args: Sequence[str] = (),
        ready_timeout: float = 20.0,
        extra_scrape_configs: Sequence[Mapping[str, Any]] = (),
        alerting_file: Path | None = None,
    ) -> None:
        """`alerting_file`: a rendered prometheus/alerting.yml (render --cluster); its rule files
        (relative to it), external labels and alerting section are used as written."""
        super().__init__(binary, Path(config_dir), port, extra_args, ready_timeout)
        self.alerting_file = alerting_file
        self.extra_scrape_configs = [dict(c) for c in extra_scrape_configs]
        self.rule_files = [str(Path(p).resolve()) if not any(c in str(p) for c in "*?[") else str(p) for p in rule_files]
        self.scrape_targets = {job: [t] if isinstance(t, str) else list(t) for job, t in (scrape_targets or {}).items()}
        self.alertmanager_url = alertmanager_url
        self.eval_interval = eval_interval
        self.scrape_interval = scrape_interval
        self.config_file = self.workdir / "prometheus.yml"

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "global": {
                "scrape_interval": self.scrape_interval,
                "evaluation_interval": self.eval_interval,
                "scrape_timeout": "1s",
            },
            "rule_files": self.rule_files,
            "scrape_configs": [
                *(
                    {"job_name": job, "static_configs": [{"targets": [t.removeprefix("http://").rstrip("/") for t in targets]}]}
                    for job, targets in self.scrape_targets.items()
                ),
                *self.extra_scrape_configs,
            ],
        }
        if self.alertmanager_url:
            # several URLs: the peers of one Alertmanager cluster, each sent every alert (as Prometheus does)
            urls = [self.alertmanager_url] if isinstance(self.alertmanager_url, str) else list(self.alertmanager_url)
            targets = [httpx.URL(url) for url in urls]
            am: dict[str, Any] = {"static_configs": [{"targets": [f"{t.host}:{t.port}" for t in targets]}], "timeout": "2s"}
            if targets[0].path not in ("", "/"):
                am["path_prefix"] = targets[0].path
            config["alerting"] = {"alertmanagers": [am]}
        if self.alerting_file is not None:
            rendered = yaml.safe_load(self.alerting_file.read_text(encoding="utf-8"))
            base = self.alerting_file.resolve().parent
            config["rule_files"] = [*config["rule_files"], *(str(base / f) for f in rendered.get("rule_files", []))]
            config["global"].update(rendered.get("global", {}))
            config["alerting"] = rendered["alerting"]
        return config

    def prepare(self) -> None:
        self.config_file.write_text(yaml.safe_dump(self.config(), sort_keys=False))

    def command(self) -> list[str]:
        return [
            self.binary,
            f"--config.file={self.config_file}",
            f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            "--web.enable-lifecycle",
            # The default 1m would hold back re-sends of firing alerts far longer than a test lasts.
            "--rules.alert.resend-delay=1s",
            *self.extra_args,
        ]

    def reconfigure(
        self, rule_files: Sequence[Path | str] | None = None, scrape_targets: Mapping[str, Sequence[str] | str] | None = None
    ) -> None:
        """Rewrite prometheus.yml and reload.

        Not much faster than a restart: Prometheus 2.42 rebuilds its Alertmanager set on every reload and
        only learns it again at the discovery manager's next 5s tick, so alerts firing right after a
        reload reach Alertmanager 0-5s later (measured ~4.5s). Prefer one Prometheus per test module with
        all rule files loaded at start, driving scenarios through exporter values."""
        if rule_files is not None:
            self.rule_files = [str(Path(p).resolve()) for p in rule_files]
        if scrape_targets is not None:
            self.scrape_targets = {job: [t] if isinstance(t, str) else list(t) for job, t in scrape_targets.items()}
        self.prepare()
        self.reload()

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        response.raise_for_status()
        payload = response.json()
        if payload.get("status") != "success":
            raise RuntimeError(f"prometheus {path}: {payload}")
        return payload["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return list(self.api("query", query=expr)["result"])

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.api("alerts")["alerts"])

    def rule_groups(self) -> list[dict[str, Any]]:
        return list(self.api("rules")["groups"])

    def wait_for_alert(self, alertname: str, state: str = "firing", timeout: float = 15.0) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def check() -> bool:
            found[:] = [a for a in self.alerts() if a["labels"].get("alertname") == alertname and a["state"] == state]
            return bool(found)

        wait_until(check, timeout, f"prometheus alert {alertname} to be {state}", interval=0.1)
        return found[0]

    def wait_for_targets_up(self, timeout: float = 10.0) -> float:
        def check() -> bool:
            targets = self.api("targets", state="active")["activeTargets"]
            return bool(targets) and all(t["health"] == "up" for t in targets)

        return wait_until(check, timeout, "all scrape targets up", interval=0.1)


def show_logs(processes: Sequence[ManagedProcess], limit: int = 20000) -> str:
    parts = []
    for proc in processes:
        text = proc.log()
        if len(text) > limit:
            text = f"... ({len(text) - limit} characters cut)\n" + text[-limit:]
        parts.append(f"===== {proc.name} log ({proc.log_path}) =====\n{text}")
    return "\n".join(parts)
