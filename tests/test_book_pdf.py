"""tools/book_pdf.py: the reading order, the joined document's links and the page count (no browser needed)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("book_pdf", ROOT / "tools" / "book_pdf.py")
book_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book_pdf)


def test_reading_order_follows_the_toc():
    files = book_pdf.toc_files(ROOT / "_toc.yml")
    assert files[0] == "book/index"
    assert files.index("book/s2_elbo/elbo") < files.index("book/s7_diffusion/diffusion_bridge")
    assert len(files) == len(set(files))


def test_urls_are_rewritten_for_a_document_at_the_root():
    ids = {"book/s2_elbo/elbo": "print-book-s2_elbo-elbo", "book/notation": "print-book-notation"}
    fragment = ('<img src="../../_images/a.png"><a href="../notation.html#notation">n</a>'
                '<a href="elbo.html">self</a><a href="https://example.org/x">x</a><a href="#local">l</a>')
    out = book_pdf.rewrite_urls(fragment, "book/s2_elbo", ids)
    assert 'src="_images/a.png"' in out
    assert 'href="#notation"' in out and 'href="#print-book-s2_elbo-elbo"' in out
    assert 'href="https://example.org/x"' in out and 'href="#local"' in out


def test_article_is_cut_out_of_a_page():
    page = ('<html><body><nav>menu</nav><article class="bd-article" role="main"><p>one</p>'
            '<article><p>inner</p></article><p>two</p></article><footer>f</footer></body></html>')
    article = book_pdf.article_of(page)
    assert article.startswith('<article class="bd-article"') and article.endswith("</article>")
    assert "two" in article and "menu" not in article and "footer" not in article


def test_page_count():
    pdf = b"1 0 obj << /Type /Pages /Count 2 >> 2 0 obj << /Type /Page >> 3 0 obj << /Type /Page /Parent 1 0 R >>"
    assert book_pdf.page_count(pdf) == 2
