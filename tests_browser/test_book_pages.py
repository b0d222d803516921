"""Every page of the built book in headless Chromium: no errors, math rendered offline, players step, links resolve,
the layout holds at 1280 px and 390 px and in dark mode (layout_checks.py), search works.

Each page is loaded once (light mode, 1280 px) and every check runs on that load; the page is then
resized to a phone's 390 px, then switched to dark mode, as a reader's browser would.

Run: ``make browser`` (after the strict build; part of ``make test``), or
``.venv/bin/python -m pytest tests_browser -q`` with the book in ``_build/html``.
Screenshots of the home page, of each part's first page and of every page with a player are
written to ``_build/screenshots/``.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
import yaml

from book_paths import HTML_DIR, REPO
from layout_checks import check_dark_figures, check_scaffolding, check_width

SKIPPED_DIRS = {"_static", "_sources", "_images", "_downloads"}
META_REFRESH = re.compile(r'<meta[^>]+http-equiv="refresh"[^>]+content="\d+;\s*url=([^"]+)"', re.IGNORECASE)
RAW_MATH = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[|\\begin\{")
WAIT_FOR_MATHJAX = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  return true;
}"""
MATH_REPORT = """() => {
  const maths = [...document.querySelectorAll('.math')];
  const article = (document.querySelector('article') || document.body).cloneNode(true);
  article.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight').forEach(e => e.remove());
  return {
    count: maths.length,
    unrendered: maths.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
    text: article.textContent,
  };
}"""


def built_pages() -> list[str]:
    """Paths of every HTML page of the build, relative to its root (search.html has its own test)."""
    if not HTML_DIR.is_dir():
        return ["<no built book: run make book-strict>"]
    return sorted(
        path.relative_to(HTML_DIR).as_posix()
        for path in HTML_DIR.rglob("*.html")
        if not SKIPPED_DIRS & set(path.relative_to(HTML_DIR).parts)
    )


def screenshot_pages() -> set[str]:
    """The home page and the first page of every part (each session) in _toc.yml."""
    beside_build = HTML_DIR.parents[1] / "_toc.yml"  # <book>/_build/html -> <book>/_toc.yml
    toc = yaml.safe_load((beside_build if beside_build.is_file() else REPO / "_toc.yml").read_text())
    pages = {f"{toc['root']}.html"}
    for part in toc.get("parts", []):
        chapters = part.get("chapters") or []
        if chapters and "file" in chapters[0]:
            pages.add(f"{Path(chapters[0]['file']).with_suffix('')}.html")
    return pages


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.anchors.add(value)


_fetched: dict[str, tuple[int, set[str]]] = {}


def fetch(url: str) -> tuple[int, set[str]]:
    """HTTP status and the element ids of a served file (cached; ids only for HTML)."""
    if url not in _fetched:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                status, body, kind = response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            status, body, kind = error.code, b"", ""
        parser = _Anchors()
        if kind == "text/html":
            parser.feed(body.decode("utf-8", "replace"))
        _fetched[url] = (status, parser.anchors)
    return _fetched[url]


def meta_refresh_target(path: str, base_url: str) -> str | None:
    """The absolute URL a page redirects to with ``<meta http-equiv="refresh">``, or None."""
    match = META_REFRESH.search((HTML_DIR / path).read_text(encoding="utf-8", errors="replace"))
    return urljoin(f"{base_url}/{path}", match.group(1)) if match else None


def open_page(browser, base_url: str, url: str, redirects_to: str | None = None):
    """Open ``url`` in a fresh context; returns (context, page, problems), problems filled as the page runs."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []

    def local_only(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            problems.append(f"request outside localhost (blocked): {route.request.url}")
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and problems.append(f"console error: {message.text}"))
    page.on("response", lambda response: response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}"))
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}"))
    page.goto(url, wait_until="load")
    if redirects_to:  # a meta refresh page (the root index.html): check the page it lands on
        page.wait_for_url(redirects_to, wait_until="load")
    page.evaluate(WAIT_FOR_MATHJAX)
    return context, page, problems


def check_math(page) -> list[str]:
    report = page.evaluate(MATH_REPORT)
    problems = [f"formula not rendered: {text!r}" for text in report["unrendered"]]
    problems += [f"MathJax error: {text!r}" for text in report["errors"]]
    problems += [f"raw TeX left in the text: {match!r}" for match in RAW_MATH.findall(report["text"])[:5]]
    if report["count"] and page.locator("mjx-container").count() < report["count"]:
        problems.append(f"{report['count']} formulas but only {page.locator('mjx-container').count()} rendered")
    return problems


def check_players(page) -> list[str]:
    problems = []
    players = page.locator(".vaecourse-player")
    for index in range(players.count()):
        player = players.nth(index)
        frames = int(player.get_attribute("data-frames"))
        image, slider = player.locator("img").first, player.locator("input[type=range]").first
        page.wait_for_function("img => (img.getAttribute('src') || '').startsWith('data:image/')", arg=image.element_handle())
        if slider.get_attribute("max") != str(frames - 1):
            problems.append(f"player {index}: slider max {slider.get_attribute('max')}, expected {frames - 1}")
        first = image.get_attribute("src")
        for title in ("Decrease speed", "Previous frame", "Play", "Pause", "Next frame", "Last frame", "Increase speed"):
            if player.locator(f'button[title="{title}"]').count() != 1:
                problems.append(f"player {index}: no '{title}' button")
        player.locator('button[title="Next frame"]').click()
        if image.get_attribute("src") == first or slider.input_value() != "1":
            problems.append(f"player {index}: stepping did not change the frame")
        player.locator('button[title="Last frame"]').click()
        if slider.input_value() != str(frames - 1):
            problems.append(f"player {index}: 'Last frame' shows frame {slider.input_value()}, not {frames - 1}")
    return problems


def check_links(page, base_url: str) -> list[str]:
    problems = []
    for href in sorted(set(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"))):
        if not href.startswith(base_url):
            continue  # external links are not followed: the test runs offline
        target, fragment = urldefrag(href)
        status, anchors = fetch(target)
        if status != 200:
            problems.append(f"link {href} answers HTTP {status}")
        elif fragment and fragment not in anchors:
            problems.append(f"link {href}: no element with id {fragment!r}")
    return problems


@pytest.mark.parametrize("path", built_pages())
def test_page(path, html_dir, base_url, browser, screenshot_dir):
    context, page, problems = open_page(browser, base_url, f"{base_url}/{path}", meta_refresh_target(path, base_url))
    try:
        if path in screenshot_pages() or page.locator(".vaecourse-player").count():
            page.screenshot(path=str(screenshot_dir / f"{path.removesuffix('.html').replace('/', '_')}.png"), full_page=True)
        problems += check_math(page) + check_width(page, "laptop", path, screenshot_dir) + check_scaffolding(page)
        problems += check_players(page) + check_links(page, base_url)
        problems += check_width(page, "phone", path, screenshot_dir) + check_dark_figures(page)
    finally:
        context.close()
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_search_finds_elbo(html_dir, base_url, browser):
    context, page, problems = open_page(browser, base_url, f"{base_url}/search.html?q=ELBO")
    try:
        page.wait_for_selector("#search-results .search-summary", timeout=30_000)
        results = page.eval_on_selector_all("ul.search li a", "links => links.map(a => a.href)")
        summary = page.inner_text("#search-results .search-summary")
    finally:
        context.close()
    assert not problems, "search.html:\n  " + "\n  ".join(problems)
    assert results, f"searching for ELBO returned no result ({summary!r})"
    assert all(fetch(urldefrag(url)[0])[0] == 200 for url in results), f"a search result does not resolve: {results}"
