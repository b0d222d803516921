"""The whole book as one PDF, made offline from the built HTML pages with Debian's headless Chromium.

    python tools/book_pdf.py [--html _build/html] [--out _build/vae-course.pdf]

Reads the pages in the order of ``_toc.yml`` from the built book (``make book`` first), joins each
page's article into one document ``<html>/print.html`` (its links and images rewritten to work from
there, links between pages turned into links inside the document, every page starting on a new
sheet), prints it with ``chromium --headless --print-to-pdf`` and removes it again (``--keep-html`` keeps it). The book's own MathJax (shipped in
book/_static) typesets the formulas before the page is printed; nothing is fetched. Prints the page
count and the time it took.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
body { background: #fff !important; }
.print-page { break-before: page; }
.print-page:first-of-type { break-before: auto; }
.bd-content pre, .cell_output pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
div.math, mjx-container[display="true"] { overflow: visible !important; }
.bd-content table { display: table; }
.bd-content img { max-width: 100% !important; }
.anim-controls, .anim-buttons, .anim-state, input[type=range], .headerlink, .copybtn,
.toggle-button, button.toggle-button { display: none !important; }
main.print-book { max-width: 100%; padding: 0; margin: 0; }
"""


def toc_files(toc_path: Path) -> list[str]:
    """The book's files (without suffix) in reading order: the root, then every chapter of every part."""
    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


class _ArticleFinder(HTMLParser):
    """Finds the character span of the page's ``<article class="bd-article">``."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.depth, self.start, self.end = 0, None, None

    def handle_starttag(self, tag, attrs):
        if tag != "article":
            return
        classes = dict(attrs).get("class") or ""
        if self.start is None and "bd-article" in classes.split():
            self.start, self.depth = self.getpos(), 1
        elif self.start is not None and self.end is None:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "article" and self.start is not None and self.end is None:
            self.depth -= 1
            if self.depth == 0:
                self.end = self.getpos()


def _offset(text: str, position: tuple[int, int]) -> int:
    line, column = position
    lines = text.split("\n")
    return sum(len(l) + 1 for l in lines[: line - 1]) + column


def article_of(page_html: str) -> str:
    finder = _ArticleFinder()
    finder.feed(page_html)
    if finder.start is None or finder.end is None:
        raise ValueError("no <article class=\"bd-article\"> in the page")
    start = _offset(page_html, finder.start)
    end = page_html.index(">", _offset(page_html, finder.end)) + 1
    return page_html[start:end]


URL_ATTRIBUTE = re.compile(r'(\s(?:src|href))="([^"]*)"')


def rewrite_urls(fragment: str, page_dir: str, page_ids: dict[str, str]) -> str:
    """Relative URLs of a page in ``page_dir`` rewritten for a document at the site root."""
    def fix(match: re.Match) -> str:
        attribute, url = match.groups()
        raw = html.unescape(url)
        if not raw or re.match(r"^(?:[a-z][a-z0-9+.-]*:|#|/)", raw):
            return match.group(0)
        path, _, fragment_id = raw.partition("#")
        target = posixpath.normpath(posixpath.join(page_dir, path)) if path else ""
        if target.endswith(".html") and attribute.strip() == "href":
            page = target[: -len(".html")]
            if page in page_ids:
                return f'{attribute}="#{html.escape(fragment_id or page_ids[page])}"'
        return f'{attribute}="{html.escape(target + ("#" + fragment_id if fragment_id else ""))}"'
    return URL_ATTRIBUTE.sub(fix, fragment)


def combined_document(html_dir: Path, files: list[str]) -> str:
    page_ids = {file: "print-" + file.replace("/", "-") for file in files}
    first = (html_dir / f"{files[0]}.html").read_text(encoding="utf-8")
    head = first[first.index("<head>") + len("<head>"): first.index("</head>")]
    head = re.sub(r"<title>.*?</title>", "<title>Variational Autoencoders: an open, tested course</title>", head, flags=re.S)
    head = rewrite_urls(head, posixpath.dirname(files[0]), {})
    parts = []
    for file in files:
        page = (html_dir / f"{file}.html").read_text(encoding="utf-8")
        article = rewrite_urls(article_of(page), posixpath.dirname(file), page_ids)
        parts.append(f'<section class="print-page" id="{page_ids[file]}">{article}</section>')
    return (f'<!DOCTYPE html><html lang="en" data-theme="light" data-mode="light"><head>{head}'
            f"<style>{PRINT_CSS}</style></head><body><main class=\"print-book bd-content\">"
            + "\n".join(parts) + "</main></body></html>")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chromium is needed (Debian: apt-get install chromium)")


def page_count(pdf: bytes) -> int:
    """Pages in a PDF: its ``/Type /Page`` objects (Chromium writes no compressed object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "vae-course.pdf")
    parser.add_argument("--time-budget-ms", type=int, default=120_000,
                        help="virtual time Chromium gives the page (MathJax typesetting) before printing")
    parser.add_argument("--keep-html", action="store_true", help="keep the joined document <html>/print.html")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = toc_files(ROOT / "_toc.yml")
    missing = [f for f in files if not (args.html / f"{f}.html").exists()]
    if missing:
        raise SystemExit(f"build the book first (make book): missing {', '.join(missing)}")
    document = args.html / "print.html"
    document.write_text(combined_document(args.html, files), encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", f"--virtual-time-budget={args.time_budget_ms}",
               f"--print-to-pdf={args.out.resolve()}", document.resolve().as_uri()]
    try:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
    finally:
        if not args.keep_html:
            document.unlink()  # not a page of the book: the browser test must not find it
    pages = page_count(args.out.read_bytes())
    print(f"{args.out}: {pages} pages from {len(files)} book pages in {time.perf_counter() - start:.0f} s")
    return 0 if pages > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
