"""Sphinx extension: an "Open in Colab" link on every notebook page, once ``_config.yml`` names the repository.

The repository's address is written in one place, ``repository.url`` of ``_config.yml`` (empty while the
course has no public repository: then this extension does nothing and no page shows a Colab link, so
there is never a dead one). With a GitHub address, each page that is a notebook gets:

- its notebook in the built site, ``_colab/<page>.ipynb``: the page's MyST source as a notebook
  (jupytext), with a first, collapsed cell that installs ``vaecourse`` from the repository when it runs
  in Colab and does nothing elsewhere (``vaecourse.grading.links.colab_install_cell``);
- a link under the page's title that opens that notebook in Colab from the branch the site is
  published to (``gh-pages``, what ``ghp-import`` writes; Colab opens notebooks only from GitHub, and
  a ``.md`` page is not a notebook Colab can read, which is why the theme's own Colab button is not used).

The exercise notebooks get their Colab link and install cell from ``python -m vaecourse.grading.editions``.
"""

from __future__ import annotations

import html
from pathlib import Path

from vaecourse.grading.links import COLAB_FOLDER, CourseLinks, colab_install_cell, page_colab_url


def _links(app) -> CourseLinks:
    theme = app.config.html_theme_options or {}
    return CourseLinks(
        repository_url=str(theme.get("repository_url") or "").strip(),
        branch=str(theme.get("repository_branch") or "main").strip(),
        book_url=str(getattr(app.config, "html_baseurl", "") or "").strip(),
    )


def _page_notebook(path: Path):
    """The page at ``path`` as a notebook, or None when it is not one (a Markdown page without a kernel)."""
    import jupytext
    import nbformat

    if path.suffix == ".ipynb":
        return nbformat.read(str(path), as_version=4)
    if path.suffix != ".md":
        return None
    notebook = jupytext.read(str(path))
    return notebook if notebook.metadata.get("kernelspec") else None


def add_colab_link(app, pagename, templatename, context, doctree):
    links = _links(app)
    if doctree is None or links.github is None:
        return
    notebook = _page_notebook(Path(app.env.doc2path(pagename)))
    if notebook is None:
        return
    notebook.cells.insert(0, colab_install_cell(links))
    target = Path(app.outdir) / COLAB_FOLDER / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    import nbformat

    nbformat.write(notebook, str(target))
    url = html.escape(page_colab_url(pagename, links), quote=True)
    badge = (
        f'<p class="colab-launch"><a class="reference external" href="{url}">Open in Colab</a>: '
        "this page as a notebook (its first cell installs the course's package there)</p>\n"
    )
    body = context.get("body", "")
    end = body.find("</h1>")  # below the page's title
    context["body"] = body[: end + 5] + badge + body[end + 5 :] if end >= 0 else badge + body


def setup(app):
    app.connect("html-page-context", add_colab_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
