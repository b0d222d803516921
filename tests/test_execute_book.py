"""tools/execute_book.py: it finds every page of the table of contents and reads each as the build does (no kernel)."""

import importlib.util
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("execute_book", ROOT / "tools" / "execute_book.py")
execute_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_book)


def test_every_page_of_the_toc_is_found_once():
    docnames = [line.split("file:")[1].strip() for line in (ROOT / "_toc.yml").read_text().splitlines() if "file:" in line]
    found = [path.relative_to(ROOT).with_suffix("").as_posix() for path in execute_book.toc_files()]
    assert found[0] == "book/index" and sorted(found[1:]) == sorted(docnames) and len(set(found)) == len(found)


def test_each_notebook_page_is_read_with_every_code_cell_and_the_others_are_left_to_the_build():
    settings = execute_book.book_settings()
    assert settings["mode"] == "cache" and settings["cache"] == ROOT / "_build" / ".jupyter_cache"
    notebooks = 0
    for path in execute_book.toc_files():
        notebook = execute_book.read_page(path, settings["extensions"])
        is_notebook = "\nkernelspec:" in path.read_text(encoding="utf-8")[:2000]
        assert (notebook is not None) == is_notebook, path
        if notebook is not None:
            notebooks += 1
            code = lambda nb: [c.source.strip() for c in nb.cells if c.cell_type == "code"]  # noqa: E731
            assert code(notebook) == code(jupytext.read(path)), path  # jupytext: nbval's reader, an independent one
    assert notebooks >= 10
