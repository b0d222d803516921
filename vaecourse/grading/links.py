"""Where the course's links point: a book section (built, published or not yet built) and Colab.

The addresses live in one place, the book's ``_config.yml``: ``repository.url`` (the course's public
repository, e.g. ``https://github.com/ORG/REPO``; empty while there is none) with ``repository.branch``,
and ``html.baseurl`` (the published book; empty while there is none). Nothing here invents an address:
with both empty, a section is linked only in the built book on this computer, and there is no Colab link.

A section's link, for feedback shown in a notebook (:func:`section_href`), in this order:

1. ``$VAECOURSE_BOOK_URL`` set: that site (``section_url`` of :mod:`.sections`);
2. run by the book's own build (the kernel's directory is under ``book/``, not a Jupyter server session):
   the page's address relative to the page being built, which is right on the built site;
3. ``_build/html`` holds the page: its path relative to the notebook's directory (or a ``file://`` URL);
4. ``html.baseurl`` set: the published page;
5. otherwise no link (None): the caller says to run ``make book``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .sections import BOOK_URL_ENV, section_page, section_url

COLAB = "https://colab.research.google.com"
BUILT_HTML = Path("_build") / "html"
COLAB_FOLDER = "_colab"
"""Folder of the built site holding each page as a notebook with the Colab install cell first."""
COLAB_SITE_BRANCH = "gh-pages"
"""The branch that holds the published site (jupyter-book's ``ghp-import`` default): Colab opens a
page's notebook from it, since a ``.md`` page is not a notebook Colab can open."""


@dataclass(frozen=True)
class CourseLinks:
    """The public addresses named in ``_config.yml`` (empty strings when there are none)."""

    repository_url: str = ""
    branch: str = "main"
    book_url: str = ""

    @property
    def github(self) -> tuple[str, str] | None:
        """``(owner, name)`` when the repository is on GitHub (Colab opens notebooks only from there)."""
        prefix = "https://github.com/"
        url = self.repository_url.strip().removesuffix(".git").rstrip("/")
        parts = url[len(prefix) :].split("/") if url.startswith(prefix) else []
        return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def repository_root() -> Path | None:
    """The course's checkout this package runs from (it holds ``_config.yml`` and ``book/``), else None."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "_config.yml").is_file() and (root / "book").is_dir() else None


def read_links(config_file: str | Path) -> CourseLinks:
    """The addresses in a Jupyter Book ``_config.yml`` (``repository.url``/``branch``, ``html.baseurl``)."""
    import yaml

    data = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    repository = data.get("repository") or {}
    html = data.get("html") or {}
    return CourseLinks(
        repository_url=str(repository.get("url") or "").strip(),
        branch=str(repository.get("branch") or "main").strip(),
        book_url=str(html.get("baseurl") or "").strip(),
    )


@lru_cache(maxsize=1)
def course_links() -> CourseLinks:
    """The addresses of this checkout's ``_config.yml``; none outside a checkout (e.g. on Colab)."""
    root = repository_root()
    try:
        return read_links(root / "_config.yml") if root else CourseLinks()
    except (ImportError, OSError, ValueError):  # no yaml, unreadable or malformed: link nothing
        return CourseLinks()


def section_href(label: str, cwd: str | Path | None = None) -> str | None:
    """The link to section ``label`` from a notebook running in ``cwd`` (default: the current directory).

    Returns None when the book is neither built here nor published (see the module's docstring).
    """
    if os.environ.get(BOOK_URL_ENV, "").strip():
        return section_url(label)
    page, anchor = section_page(label), f"#{label}"
    root = repository_root()
    cwd = Path(cwd if cwd is not None else os.getcwd()).resolve()
    if root is not None:
        if cwd.is_relative_to(root / "book") and not os.environ.get("JPY_SESSION_NAME"):
            return Path(os.path.relpath(root / f"{page}.html", cwd)).as_posix() + anchor
        built = root / BUILT_HTML / f"{page}.html"
        if built.is_file():
            if cwd.is_relative_to(root):
                return Path(os.path.relpath(built, cwd)).as_posix() + anchor
            return built.as_uri() + anchor
    base = course_links().book_url
    return f"{base.rstrip('/')}/{page}.html{anchor}" if base else None


def colab_url(path: str, links: CourseLinks, branch: str | None = None) -> str | None:
    """Colab's address of the notebook at ``path`` in the repository's ``branch``; None without a GitHub repository."""
    if links.github is None:
        return None
    owner, name = links.github
    return f"{COLAB}/github/{owner}/{name}/blob/{branch or links.branch}/{path.lstrip('/')}"


def page_colab_url(page: str, links: CourseLinks) -> str | None:
    """Colab's address of book page ``page`` (e.g. ``book/s2_elbo/elbo``): its notebook on the published site's branch."""
    return colab_url(f"{COLAB_FOLDER}/{page}.ipynb", links, branch=COLAB_SITE_BRANCH)


def colab_install_source(links: CourseLinks) -> str:
    """The first cell of a notebook opened in Colab: installs ``vaecourse`` from the repository there, nothing elsewhere."""
    requirement = f"vaecourse @ git+{links.repository_url.removesuffix('.git')}.git@{links.branch}"
    lines = [
        "#@title Colab only: install the course's package (does nothing on your own computer)",
        "import importlib, os, subprocess, sys",
        "try:",
        "    import google.colab  # noqa: F401",
        "except ImportError:",
        "    pass",
        "else:",
        f"    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', {requirement!r}], check=True)",
        "    importlib.invalidate_caches()",
    ]
    if links.book_url:
        lines.append(f"    os.environ.setdefault({BOOK_URL_ENV!r}, {links.book_url!r})")
    return "\n".join(lines)


def colab_install_cell(links: CourseLinks):
    """:func:`colab_install_source` as a notebook cell, collapsed in Colab and JupyterLab, removed from the book."""
    import nbformat

    cell = nbformat.v4.new_code_cell(colab_install_source(links))
    cell.metadata = {"cellView": "form", "jupyter": {"source_hidden": True}, "tags": ["remove-cell"]}
    cell.id = "colab-install"
    return cell
