"""`drill` and `silences` with several Alertmanager peers: what is checked before anything is sent.

The cluster behaviour itself (gossip, one notification, convergence) is proven against three real
peers in tests/live/test_ha.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callalert.errors import ProblemsFound
from callalert.live import cluster as cl
from callalert.live.amapi import AlertmanagerError
from tests.conftest import ROOT

WEB_SHOP = str(ROOT / "specs" / "web-shop")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "peers: [http://a:9093]\n",
            "{f}:1:1: error: a cluster file is a YAML list of the peers' URLs, e.g. - http://alertmanager-0:9093 [cluster-file]\n",
        ),
        (
            "- http://a:9093\n- 9094\n- ''\n- 'http://u:pw@[::1'\n",
            "{f}:2:3: error: [1]: expected a URL, got an integer [cluster-file]\n"
            "{f}:3:3: error: [2]: expected a URL, got an empty string [cluster-file]\n"
            "{f}:4:3: error: [3]: 'http://u:***@[::1' is not a valid URL (invalid ipv6 url); e.g. http://alertmanager-0:9093 "
            "[cluster-file]\n",
        ),
    ],
)
def test_a_bad_cluster_file_is_positioned(run_cli, tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    result = run_cli("silences", "list", "--cluster", str(path))
    assert result.exit_code == 1, result
    assert result.stdout == expected.format(f=path)
    assert "pw" not in result.stdout + result.stderr


def test_the_peers_of_a_cluster_file_and_the_options_count_once(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text("# the shop's peers\n- http://am-0:9093\n- http://am-1:9093/\n")
    assert cl.peer_urls(["http://am-0:9093"], path) == ["http://am-0:9093", "http://am-1:9093/"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("silences", "list"),
            "callalert: error: give the Alertmanager to talk to: --alertmanager-url URL (repeatable for a cluster) or "
            "--cluster FILE\n",
        ),
        (("silences", "list", "--cluster", "nowhere.yaml"), "callalert: error: --cluster nowhere.yaml: no such file\n"),
        (
            ("silences", "apply", WEB_SHOP, "--alertmanager-url", "http://127.0.0.1:9", "--sync-timeout", "0"),
            "callalert: error: --sync-timeout 0: give a number of seconds above 0\n",
        ),
        (
            ("drill", "CartServiceDown", WEB_SHOP, "--alertmanager-url", "http://127.0.0.1:9", "--alertmanager-url", "ftp://x"),
            "callalert: error: --alertmanager-url 'ftp://x': not a valid URL (the scheme must be http:// or https://); "
            "e.g. http://127.0.0.1:9093\n",
        ),
    ],
)
def test_usage_mistakes_exit_2_before_anything_is_sent(run_cli, args: tuple[str, ...], expected: str) -> None:
    result = run_cli(*args)
    assert (result.exit_code, result.stderr) == (2, expected), result


def _status(name: str, peers: list[str], state: str = "ready") -> dict[str, Any]:
    return {"cluster": {"name": name, "status": state, "peers": [{"name": n, "address": "x"} for n in peers]}}


def _cluster(monkeypatch: pytest.MonkeyPatch, statuses: dict[str, dict[str, Any] | Exception]) -> cl.Cluster:
    cluster = cl.Cluster(list(statuses), deadline=5, sync_timeout=1)
    for peer in cluster.peers:
        answer = statuses[peer.url]

        def status(answer: dict[str, Any] | Exception = answer) -> dict[str, Any]:
            if isinstance(answer, Exception):
                raise answer
            return answer

        monkeypatch.setattr(peer.client, "status", status)
    return cluster


def test_one_cluster_is_each_peer_known_to_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = "http://a:9093", "http://b:9093", "http://c:9093"
    cluster = _cluster(
        monkeypatch,
        {
            a: _status("A", ["A", "B", "C"]),
            b: _status("B", ["A", "B", "C"]),
            c: AlertmanagerError("Alertmanager at http://c:9093 is unreachable: refused", url=c),
        },
    )
    cluster.connect()
    assert [p.url for p in cluster.reachable] == [a, b]
    assert cluster.warnings == [
        "Alertmanager at http://c:9093 is unreachable: refused; going on with the other peers (the cluster gives it the "
        "state when it rejoins)"
    ]


def test_two_clusters_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = "http://a:9093", "http://b:9093"
    cluster = _cluster(monkeypatch, {a: _status("A", ["A"]), b: _status("B", ["B"])})
    with pytest.raises(cl.ClusterError) as caught:
        cluster.connect()
    assert str(caught.value) == (
        "Alertmanager at http://a:9093 is not a peer of the one at http://b:9093 (http://b:9093 knows 1 peer(s), not "
        "http://a:9093's name A): they are not one cluster, so silences would not spread and each would notify; check "
        "their --cluster.peer flags (a peer that has just started may still be joining: try again in a few seconds)"
    )


def test_no_peer_answering_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = "http://a:9093", "http://b:9093"
    down = {u: AlertmanagerError(f"Alertmanager at {u} is unreachable: refused", url=u) for u in (a, b)}
    cluster = _cluster(monkeypatch, dict(down))
    with pytest.raises(cl.ClusterError, match=r"^no Alertmanager peer answered: Alertmanager at http://a:9093 is "):
        cluster.connect()


def test_the_peers_in_sync_are_listed_in_their_order_not_the_order_they_converged(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = "http://a:9093", "http://b:9093", "http://c:9093"
    cluster = _cluster(monkeypatch, {u: _status(u[7], ["a", "b", "c"]) for u in (a, b, c)})
    monkeypatch.setattr(cl, "POLL_INTERVAL", 0)
    polls = dict.fromkeys((a, b, c), 0)
    late = {a: 2, b: 1, c: 0}  # c shows the silence first, then b, then a

    for peer in cluster.peers:

        def list_silences(url: str = peer.url) -> list[dict[str, Any]]:
            polls[url] += 1
            return [{"id": "s1"}] if polls[url] > late[url] else []

        monkeypatch.setattr(peer.client, "list_silences", list_silences)
    assert cluster.converge({"s1": lambda s: s is not None}, "the silence") == [a, b, c]
    assert cluster.in_sync_line([a, b, c]) == "in sync on 3 of 3 peer(s): http://a:9093, http://b:9093, http://c:9093"


def test_a_cluster_file_with_problems_is_not_read_further(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- http://a:9093\n- 5\n")
    with pytest.raises(ProblemsFound) as caught:
        cl.load_cluster_file(path)
    assert [p.message for p in caught.value.problems] == ["expected a URL, got an integer"]
