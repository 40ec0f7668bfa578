"""The spec's JSON Schema in a real editor server: yaml-language-server (npm, tools/node) driven over
stdio with the Language Server Protocol, as VS Code, Neovim or Helix drive it. A spec that names
the schema in its first line (`# yaml-language-server: $schema=...`) gets completions of the keys a
receiver may have and of a field's values, and diagnostics for an unknown key and a wrong type."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from tests.conftest import require_node_tool

SPEC = """\
# yaml-language-server: $schema={schema}
version: 1
severities:
  critical: {{notify: [pager]}}
receivers:
  pager:
    pagerduty_configs:
      - routing_key: {{file: /etc/alertmanager/pd-key}}
        send_resolved: maybe
        severityy: critical
  chat:
····
defaults:
  group_wait:·
locale:·
""".replace("·", " ")  # the cursor's places: an empty key under chat, empty values


class Server:
    """A language server over stdio: requests with ids, notifications, and the server's own requests answered."""

    def __init__(self, cmd: list[str], settings: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.settings = settings
        self.messages: Queue[dict[str, Any]] = Queue()
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = self.proc.stdout.read(1)
                if not byte:
                    return
                header += byte
            length = next(
                int(line.split(b":")[1]) for line in header.split(b"\r\n") if line.lower().startswith(b"content-length")
            )
            self.messages.put(json.loads(self.proc.stdout.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def messages_until(self, done: Any, timeout: float = 60.0) -> Iterator[dict[str, Any]]:
        """Messages as they come (answering the server's requests) until `done(message)`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                message = self.messages.get(timeout=max(0.1, end - time.monotonic()))
            except Empty:
                break
            if "method" in message and "id" in message:  # the server asks: configuration, registrations
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [self.settings.get(item.get("section", ""), None) for item in message["params"]["items"]]
                self.send({"id": message["id"], "result": result})
                continue
            yield message
            if done(message):
                return
        raise AssertionError("no answer from yaml-language-server in time")

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        for message in self.messages_until(lambda m: m.get("id") == ident):
            if message.get("id") == ident:
                assert "error" not in message, message
                return message["result"]
        raise AssertionError("unreachable")

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.reader.join(timeout=10)  # the server is gone: its stdout ends, and so does the reader
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()


def labels(result: Any) -> list[str]:
    items = result["items"] if isinstance(result, dict) else result
    return [item["label"] for item in items]


@pytest.mark.timeout(120)
def test_yaml_language_server_completes_and_diagnoses_a_spec(run_cli, tmp_path: Path) -> None:
    server_bin = require_node_tool("yaml-language-server")
    schema = tmp_path / "spec.schema.json"
    result = run_cli("schema")
    assert result.exit_code == 0
    schema.write_text(result.stdout, encoding="utf-8")
    spec = tmp_path / "alerting.yaml"
    text = SPEC.format(schema=schema.as_uri())
    spec.write_text(text, encoding="utf-8")
    settings = {"yaml": {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}
    server = Server([str(server_bin), "--stdio"], settings)
    try:
        server.request(
            "initialize",
            {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "capabilities": {
                    "textDocument": {"completion": {"completionItem": {"snippetSupport": False}}, "publishDiagnostics": {}},
                    "workspace": {"configuration": True},
                },
            },
        )
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": settings})
        uri = spec.as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        diagnostics: list[dict[str, Any]] = []

        def published(message: dict[str, Any]) -> bool:
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                diagnostics[:] = message["params"]["diagnostics"]
                return bool(diagnostics)
            return False

        for _ in server.messages_until(published):
            pass
        found = {(d["range"]["start"]["line"], d["message"]) for d in diagnostics}
        lines = text.splitlines()
        wrong_type = lines.index("        send_resolved: maybe")
        unknown = lines.index("        severityy: critical")
        assert (wrong_type, 'Incorrect type. Expected "boolean | null".') in found, diagnostics
        assert (unknown, "Property severityy is not allowed.") in found, diagnostics

        # a key under receivers.chat: every integration, with its description
        chat = lines.index("  chat:") + 1
        keys = server.request(
            "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": chat, "character": 4}}
        )
        assert {"email_configs", "slack_configs", "pagerduty_configs", "webhook_configs", "msteamsv2_configs"} <= set(
            labels(keys)
        )
        # a value: the enum of locale, the examples of group_wait
        locale = lines.index("locale: ")
        values = server.request(
            "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": locale, "character": 8}}
        )
        assert {"en", "es"} <= set(labels(values))
        wait = lines.index("  group_wait: ")
        values = server.request(
            "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": wait, "character": 14}}
        )
        assert "30s" in labels(values)
    finally:
        server.close()
