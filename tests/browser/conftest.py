"""End-to-end tests in Debian's Chromium, driven by Playwright (no browser download).

When Chromium is absent the browser tests are deselected and the run says so
in large letters; CI sets WIJKTEAM_REQUIRE_BROWSER=1, which turns that into a
failure instead.
"""

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WIJKTEAM_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's
    # async-safety check would otherwise refuse the test's own DB queries.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Per page (by id): the addresses the test's browser went to, and those checked for reflow.
_VISITED: dict[int, list[str]] = {}
_REFLOWED: dict[int, set[str]] = {}


def _address(url: str) -> str:
    return url.split("#", 1)[0]


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser tab; at the end, every page it went to must have been checked with ``assert_reflows``."""
    context = browser.new_context(locale="nl-NL", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    visited = _VISITED.setdefault(id(page), [])
    reflowed = _REFLOWED.setdefault(id(page), set())
    page.on(
        "framenavigated",
        lambda frame: visited.append(_address(frame.url)) if frame.parent_frame is None else None,
    )
    try:
        yield page
    finally:
        context.close()
        _VISITED.pop(id(page), None)
        _REFLOWED.pop(id(page), None)
        # A page may still be loading a part (htmx) when the test ends: the server goes on with that request
        # after the browser leaves, and its queries would meet the flush that empties the database for the
        # next test (a deadlock: "couldn't be flushed", then the next test's set-up fails on old rows).
        assert finish_requests(), "the live server still answers a request 30 s after the test's browser closed"
    unchecked = sorted({url for url in visited if url.startswith(live_server.url) and url not in reflowed})
    assert unchecked == [], f"pages visited but never checked at phone widths (assert_reflows): {unchecked}"


def finish_requests(timeout: float = 30.0) -> bool:
    """Wait until the live server has answered every request it took (its request threads have ended).

    Django's test server answers each connection in a thread of its own, named after
    ``process_request_thread``; it ends when the browser's connection is closed and the answer is done.
    """
    deadline = time.monotonic() + timeout
    while True:
        pending = [thread for thread in threading.enumerate() if thread.name.endswith("(process_request_thread)")]
        if not pending:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if pending[0].is_alive():
            pending[0].join(min(remaining, 0.1))
        else:  # listed while it starts (threading's "limbo"): it cannot be joined yet
            time.sleep(0.01)


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """Run axe-core on the page (no serious or critical violation, WCAG 2.1 AA); then check it reflows on a phone."""
    # Evaluated through the DevTools protocol: a <script> tag (add_script_tag) would be
    # inline script, which the content security policy rightly blocks.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], f"accessibility violations on {page.url}:\n{json.dumps(serious, indent=2)}"
    assert_reflows(page)


PHONE_WIDTHS = (390, 320)  # a common phone, and WCAG 1.4.10's reflow width

# Null when the page is no wider than the window; else what sticks out: the innermost elements past the
# right edge that are not inside a region scrolling by itself (a data table's .table-scroll may).
OVERFLOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width + 1) return null;
    const scrolls = e => e.closest('.table-scroll, [data-scrolls]');
    const past = [...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > width + 1 && !scrolls(e.parentElement || e));
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    return {
        scroll_width: document.documentElement.scrollWidth,
        innermost: past.filter(e => !past.some(other => other !== e && e.contains(other))).slice(0, 6)
            .map(e => name(e) + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')'),
    };
}"""


def assert_reflows(page) -> None:  # type: ignore[no-untyped-def]
    """The page needs no horizontal scrolling at a phone's width or at 320 px (WCAG 1.4.10).

    Called by ``assert_accessible``, so on every page the browser tests check. One window resize and one
    script per width, no reload (a page shown after a POST stays what it is); the size is put back after.
    A data table may scroll inside its own region (``<div class="table-scroll" role="region" tabindex="0">``).
    """
    _REFLOWED.setdefault(id(page), set()).add(_address(page.url))
    size = page.viewport_size
    try:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            overflow = page.evaluate(OVERFLOW)
            assert overflow is None, f"{page.url} scrolls sideways at {width} px: {overflow}"
    finally:
        if size:
            page.set_viewport_size(size)


def log_in_browser(page, user, password: str) -> None:  # type: ignore[no-untyped-def]
    """The real login: password, then a code from the user's authenticator (one is linked if none is)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("textbox", name="Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url(lambda url: "/inloggen/" not in url)
    # These pages are checked where they are the subject: the login pages in test_login, each role's
    # landing page (Vandaag) in test_today.
    _REFLOWED.setdefault(id(page), set()).update(url for url in _VISITED.get(id(page), []) if "/inloggen/" in url)
    _REFLOWED[id(page)].add(_address(page.url))
