"""The links the course writes for learners: review pointers in the checker's feedback, "Read first", Colab."""

import json
import os
import re
import sys
import types
from pathlib import Path

import nbformat
import pytest

from vaecourse.grading import display, links
from vaecourse.grading.editions import student_notebook
from vaecourse.grading.links import CourseLinks, colab_install_source, section_href
from vaecourse.grading.result import compose_feedback
from vaecourse.grading.sections import SECTION_TOPICS, SESSIONS, section_page

ROOT = Path(__file__).resolve().parents[1]
LABELS = ("s4-log-variance", "s5-iwae", "s6-beta-vae", "s1-monte-carlo")
FAKE = CourseLinks(repository_url="https://github.com/example-org/vae-course", branch="main")


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A fake checkout (book/, exercises/) whose book is not built; ``built()`` builds its pages."""
    (tmp_path / "book").mkdir()
    (tmp_path / "exercises").mkdir()
    monkeypatch.setattr(links, "repository_root", lambda: tmp_path)
    monkeypatch.setattr(links, "course_links", lambda: CourseLinks())
    monkeypatch.delenv("VAECOURSE_BOOK_URL", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)

    def built():
        for label in LABELS:
            page = tmp_path / "_build" / "html" / f"{section_page(label)}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f'<span id="{label}"></span>')

    return types.SimpleNamespace(root=tmp_path, built=built)


def _feedback(message="Your answer was wrong."):
    return compose_feedback("gaussian_kl", "the closed-form KL", "failed", 0.5, 2, message, LABELS)


def _hrefs(html_text):
    return re.findall(r'<a href="([^"]*)">', html_text)


def test_the_built_book_is_linked_relative_to_the_notebook_section_by_section(checkout):
    checkout.built()
    bundle = display.feedback_bundle(_feedback(), LABELS, cwd=checkout.root / "exercises")
    assert bundle["text/plain"] == _feedback()  # terminals, CSV and feedback files keep today's text
    assert _hrefs(bundle["text/html"]) == [
        "../_build/html/book/s4_gaussian_kl/gaussian_kl.html#s4-log-variance",
        "../_build/html/book/s5_practice/iwae.html#s5-iwae",
        "../_build/html/book/s6_collapse/beta_vae.html#s6-beta-vae",
        "../_build/html/book/s1_bayes/bayes_refresher.html#s1-monte-carlo",
    ]
    for href in _hrefs(bundle["text/html"]):  # each link opens an existing file at its anchor
        path, anchor = href.split("#")
        assert f'id="{anchor}"' in (checkout.root / "exercises" / path).read_text()


def test_outside_the_checkout_the_built_book_is_a_file_url(checkout, tmp_path_factory):
    checkout.built()
    href = section_href("s5-iwae", cwd=tmp_path_factory.mktemp("elsewhere"))
    assert href == (checkout.root / "_build/html/book/s5_practice/iwae.html").as_uri() + "#s5-iwae"


def test_not_built_links_the_published_book_or_says_to_build_it_never_a_dead_link(checkout, monkeypatch):
    html_text = display.feedback_html(_feedback(), LABELS, cwd=checkout.root / "exercises")
    assert "<a " not in html_text and html_text.count("run <code>make book</code>") == len(LABELS)
    monkeypatch.setattr(links, "course_links", lambda: CourseLinks(book_url="https://example.org/vae/"))
    html_text = display.feedback_html(_feedback(), LABELS, cwd=checkout.root / "exercises")
    assert _hrefs(html_text)[0] == "https://example.org/vae/book/s4_gaussian_kl/gaussian_kl.html#s4-log-variance"
    monkeypatch.setenv("VAECOURSE_BOOK_URL", "https://course.example.edu/vae")  # the instructor's site wins
    assert section_href("s6-beta-vae") == "https://course.example.edu/vae/book/s6_collapse/beta_vae.html#s6-beta-vae"


def test_in_the_books_own_build_the_link_is_relative_to_the_page_on_the_site(checkout, monkeypatch):
    page_dir = checkout.root / "book" / "s2_elbo"
    page_dir.mkdir()
    assert section_href("s4-log-variance", cwd=page_dir) == "../s4_gaussian_kl/gaussian_kl.html#s4-log-variance"
    checkout.built()  # the same page opened in JupyterLab (a server session): the built book
    monkeypatch.setenv("JPY_SESSION_NAME", str(page_dir / "elbo.md"))
    assert section_href("s4-log-variance", cwd=page_dir) == (
        "../../_build/html/book/s4_gaussian_kl/gaussian_kl.html#s4-log-variance"
    )


def test_learner_text_is_escaped_never_rendered(checkout):
    checkout.built()
    hostile = '<script>alert(1)</script> <a href="javascript:x">x</a> & "q"\n<img src=x onerror=alert(2)>'
    html_text = display.feedback_html(_feedback(hostile), LABELS, cwd=checkout.root / "exercises")
    assert "<script>" not in html_text and "<img" not in html_text and "javascript:" not in _hrefs(html_text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text and "&amp; &quot;q&quot;" in html_text
    assert re.sub(r"<[^>]+>", "", html_text).count("<") == 0  # no raw markup but ours
    # A learner's text that ends like a pointer links only to our section, its own part stays text.
    forged = compose_feedback("x", "t", "failed", 0, 1, "<b>Review: </b>", ("s5-iwae",))
    assert "&lt;b&gt;Review: &lt;/b&gt;" in display.feedback_html(forged, ("s5-iwae",), cwd=checkout.root)


def test_outside_a_notebook_the_feedback_is_printed_as_before(capsys):
    display.show_feedback(_feedback(), LABELS)
    assert capsys.readouterr().out == _feedback() + "\n"


def test_every_cited_section_is_a_labelled_heading_of_its_page():
    # Built pages give each `(label)=` target right above a heading the HTML id `label` (what the links
    # point to); myst_heading_anchors: 3 adds slug ids to headings of levels 1-3 but the labels are ours.
    for label in SECTION_TOPICS:
        source = (ROOT / f"{section_page(label)}.md").read_text(encoding="utf-8")
        assert re.search(rf"^\({re.escape(label)}\)=\s*\n(\s*\n)*#{{1,6}} \S", source, re.M), (
            f"{section_page(label)}.md: ({label})= is not directly above a heading"
        )


def test_the_built_book_has_every_anchor_the_links_name():
    html_root = ROOT / "_build" / "html"
    if not (html_root / "index.html").is_file():
        pytest.skip("the book is not built here (make book); the build-free test above checks the labels")
    for label in SECTION_TOPICS:
        page = html_root / f"{section_page(label)}.html"
        assert f'id="{label}"' in page.read_text(encoding="utf-8"), f"{page} has no anchor #{label}"


@pytest.mark.parametrize("session", sorted(SESSIONS))
def test_read_first_opens_the_sessions_page_of_the_built_book(session):
    info = SESSIONS[session]
    for path in (info.notebook, info.source_notebook):
        first = json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]
        intro = "".join(next(c for c in first if c["cell_type"] == "markdown")["source"])
        line = next(x for x in intro.splitlines() if x.startswith("Read first:"))
        targets = re.findall(r"\]\(([^)]+)\)", line)
        assert targets[0] == f"../_build/html/{info.page}.html", (path, targets)
        assert (ROOT / "exercises" / targets[1]).resolve() == (ROOT / f"{info.page}.md").resolve()


def _run_install_cell(monkeypatch, in_colab: bool):
    calls = []
    monkeypatch.setattr("subprocess.run", lambda *a, **k: calls.append(a[0]))
    if in_colab:
        google = types.ModuleType("google")
        google.colab = types.ModuleType("google.colab")
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    else:
        monkeypatch.setitem(sys.modules, "google.colab", None)  # import fails, as off Colab
    exec(colab_install_source(FAKE), {})
    return calls


def test_the_colab_cell_does_nothing_locally_and_installs_from_the_repository_in_colab(monkeypatch):
    assert _run_install_cell(monkeypatch, in_colab=False) == []
    (command,) = _run_install_cell(monkeypatch, in_colab=True)
    assert command[1:5] == ["-m", "pip", "install", "--quiet"]
    assert command[-1] == "vaecourse @ git+https://github.com/example-org/vae-course.git@main"


def test_exercise_editions_get_colab_only_when_the_repository_is_named():
    source = nbformat.read(str(ROOT / SESSIONS["s4"].source_notebook), as_version=4)
    plain = student_notebook(source, SESSIONS["s4"].notebook, CourseLinks())
    assert "colab" not in nbformat.writes(plain).lower()
    nb = student_notebook(source, SESSIONS["s4"].notebook, FAKE)
    assert nb.cells[0].source == colab_install_source(FAKE) and nb.cells[0].metadata["jupyter"]["source_hidden"]
    assert [c.source for c in nb.cells[2:]] == [c.source for c in plain.cells[1:]]
    assert nb.cells[1].source.startswith(plain.cells[0].source)
    url = "https://colab.research.google.com/github/example-org/vae-course/blob/main/exercises/s4_gaussian_kl.ipynb"
    assert f"[Open in Colab]({url})" in nb.cells[1].source


def test_no_colab_link_without_a_github_repository():
    assert links.colab_url("exercises/s1_bayes.ipynb", CourseLinks()) is None
    assert links.colab_url("exercises/s1_bayes.ipynb", CourseLinks("https://gitlab.com/a/b")) is None
    assert links.page_colab_url("book/s2_elbo/elbo", FAKE) == (
        "https://colab.research.google.com/github/example-org/vae-course/blob/gh-pages/_colab/book/s2_elbo/elbo.ipynb"
    )


def _colab_extension():
    import importlib.util

    spec = importlib.util.spec_from_file_location("colab_launch", ROOT / "book" / "_ext" / "colab_launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_a_repository_address_no_page_gets_a_colab_link(tmp_path):
    assert links.read_links(ROOT / "_config.yml").repository_url == ""  # no public repository yet
    app = types.SimpleNamespace(
        config=types.SimpleNamespace(html_theme_options={"repository_url": ""}, html_baseurl=""), outdir=str(tmp_path)
    )
    context = {"body": "<h1>Title</h1><p>text</p>"}
    _colab_extension().add_colab_link(app, "book/s2_elbo/elbo", "page.html", context, doctree=object())
    assert context["body"] == "<h1>Title</h1><p>text</p>" and not any(tmp_path.iterdir())


def test_with_a_repository_address_each_notebook_page_links_to_its_colab_notebook(tmp_path):
    # A small book built with the real extension and a made-up address (nothing is executed or fetched).
    import shutil
    import subprocess

    import jupytext

    pages = ("book/s5_practice/iwae", "book/s4_gaussian_kl/gaussian_kl")
    for page in pages:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / f"{page}.md", tmp_path / f"{page}.md")
    (tmp_path / "book" / "plain.md").write_text("# A page without code\n\nText only.\n")
    chapters = "".join(f"  - file: {page}\n" for page in pages)
    (tmp_path / "_toc.yml").write_text(f"format: jb-book\nroot: book/plain\nchapters:\n{chapters}")
    (tmp_path / "_config.yml").write_text(
        "title: mini\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: 'off'\n"
        f"repository:\n  url: {FAKE.repository_url}\n  branch: main\n"
        f"sphinx:\n  local_extensions:\n    colab_launch: {ROOT / 'book' / '_ext'}\n"
    )
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(tmp_path), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    html_root = tmp_path / "_build" / "html"
    for page in pages:
        built = (html_root / f"{page}.html").read_text(encoding="utf-8")
        url = f"https://colab.research.google.com/github/example-org/vae-course/blob/gh-pages/_colab/{page}.ipynb"
        assert re.findall(r'class="colab-launch"><a class="reference external" href="([^"]+)"', built) == [url]
        notebook = nbformat.read(str(html_root / "_colab" / f"{page}.ipynb"), as_version=4)
        assert notebook.cells[0].source == colab_install_source(FAKE)
        page_cells = jupytext.read(str(ROOT / f"{page}.md")).cells
        assert [c.source for c in notebook.cells[1:]] == [c.source for c in page_cells]
    assert "Open in Colab" not in (html_root / "book" / "plain.html").read_text(encoding="utf-8")
    iwae = (html_root / f"{pages[0]}.html").read_text(encoding="utf-8")
    assert 'id="s5-iwae"' in iwae and 'id="s5-evaluation"' in iwae  # the review links' anchors


def test_in_a_notebook_kernel_the_feedback_is_displayed_as_text_and_html(tmp_path):
    from nbclient import NotebookClient

    code = (
        "from vaecourse.grading import check\n"
        "result = check('gaussian_kl', lambda mu, logvar: 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(-1) * 2)"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("print(result.feedback)")])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "exercises")}}).execute()
    (shown,) = nb.cells[0].outputs
    printed = nb.cells[1].outputs[0]["text"]
    assert shown["output_type"] == "display_data" and shown["data"]["text/plain"] + "\n" == printed
    assert "Review: " in printed and "Review: " in shown["data"]["text/html"]
    html_text = shown["data"]["text/html"]
    if os.environ.get("VAECOURSE_BOOK_URL") or links.course_links().book_url:
        return  # an instructor's or the published site: its own links, checked in the unit tests above
    built = (ROOT / "_build" / "html" / f"{section_page('s4-closed-form-kl')}.html").is_file()
    if built:
        assert '<a href="../_build/html/book/s4_gaussian_kl/gaussian_kl.html#' in html_text
    else:
        assert "<a " not in html_text and "make book" in html_text
