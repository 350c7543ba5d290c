"""The browser tests' server finishes every request before the next test empties the database.

A page that loads a part after itself (the household page's documents, htmx) left that request running
when its test ended; the flush for the next test then met its queries and failed.
"""

import socket
import threading
import time

import pytest

from tests.browser.conftest import finish_requests

pytestmark = pytest.mark.django_db(transaction=True)


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.endswith("(process_request_thread)")]


def test_finishing_waits_for_a_connection_the_server_is_still_answering(live_server) -> None:
    host, port = live_server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)))
    try:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # the request is not complete yet
        deadline = time.monotonic() + 5
        while not _request_threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _request_threads(), "the server took the connection in a thread of its own"
        assert finish_requests(timeout=0.3) is False
    finally:
        connection.close()
    assert finish_requests() is True
    assert _request_threads() == []


def test_finishing_waits_for_a_request_thread_that_is_still_starting(monkeypatch) -> None:
    """A thread the server has created but not yet started is listed by ``threading.enumerate`` and cannot be
    joined; the wait must not fail on it (it did once in CI: "cannot join thread before it is started")."""
    started = threading.Event()

    def answer() -> None:
        started.wait(5)

    thread = threading.Thread(target=answer, name="Thread-1 (process_request_thread)")
    real_enumerate = threading.enumerate
    monkeypatch.setattr(threading, "enumerate", lambda: [*real_enumerate(), thread])
    assert finish_requests(timeout=0.2) is False  # listed, not yet running: waited for, not joined
    thread.start()
    started.set()
    thread.join()
    monkeypatch.setattr(threading, "enumerate", real_enumerate)
    assert finish_requests() is True
