"""Fixtures of the browser test: the built book served on localhost and Debian's headless Chromium driven by playwright.

Run after a strict build (``make browser``, part of ``make test``). Without Chromium or playwright
the tests skip with a message, except under ``CI=true``, where they fail: CI must run them.
Nothing is downloaded: playwright drives the system ``chromium`` through ``executable_path``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from book_paths import HTML_DIR, SCREENSHOT_DIR
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]


def unavailable(reason: str):
    """Skip with ``reason``, or fail under CI=true, where the browser test must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test is required; .ci/run installs chromium)", pytrace=False)
    pytest.skip(f"{reason}; skipping the browser test (install it with: apt-get install chromium)")


def find_chromium() -> str | None:
    """The system Chromium: $CHROMIUM if set (and only it), else `chromium` on PATH, else /usr/bin/chromium."""
    candidates = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else [shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book at {HTML_DIR}: run `make book-strict` first (or set BOOK_HTML_DIR)", pytrace=False)
    return HTML_DIR


@pytest.fixture(scope="session")
def base_url(html_dir):
    """Serve the built book from a thread on a free localhost port; yields ``http://127.0.0.1:PORT``."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        unavailable("Chromium was not found (looked at $CHROMIUM, PATH and /usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
