"""The golden-output tool: pages get their stored outputs, and stale or missing ones are refused."""

import json
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import notebook_golden as golden  # noqa: E402

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# A page

```{code-cell} ipython3
# NBVAL_CHECK_OUTPUT
print(round(3.125, 3))
```
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "book" / "s9").mkdir(parents=True)
    page = tmp_path / "book" / "s9" / "page.md"
    page.write_text(PAGE)
    (tmp_path / "book" / "plain.md").write_text("# Not a notebook\n")
    return tmp_path, page


def store(tmp_path, page, source, text):
    path = golden.golden_path(page, tmp_path, tmp_path / "golden")
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"source_digest": golden.source_digest(source), "first_line": "",
             "outputs": [{"output_type": "stream", "name": "stdout", "text": text}]}
    path.write_text(json.dumps({"page": "book/s9/page.md", "cells": [entry]}))


def test_only_myst_notebooks_are_pages(project):
    root, page = project
    assert golden.book_pages(root) == [page]


def test_missing_golden_file_is_refused(project):
    root, _ = project
    with pytest.raises(golden.GoldenError, match="no golden outputs"):
        golden.prepare(root / "out", root, root / "golden")


def test_golden_outputs_are_inserted(project):
    root, page = project
    store(root, page, "# NBVAL_CHECK_OUTPUT\nprint(round(3.125, 3))", "3.125\n")
    (written,) = golden.prepare(root / "out", root, root / "golden")
    cell = [c for c in nbformat.read(written, as_version=4).cells if c.cell_type == "code"][0]
    assert cell.outputs[0]["text"] == "3.125\n" and cell.execution_count == 1


def test_changed_checked_cell_is_refused(project):
    root, page = project
    store(root, page, "# NBVAL_CHECK_OUTPUT\nprint(round(3.125, 2))", "3.12\n")
    with pytest.raises(golden.GoldenError, match="changed since the golden outputs were stored"):
        golden.prepare(root / "out", root, root / "golden")


def test_text_outputs_drop_images():
    outputs = [{"output_type": "display_data", "data": {"image/png": "...", "text/plain": "<Figure>"}, "metadata": {}},
               {"output_type": "stream", "name": "stdout", "text": "1\n"}]
    kept = golden.text_outputs(outputs)
    assert kept[0]["data"] == {"text/plain": "<Figure>"} and kept[1]["text"] == "1\n"


def test_streams_of_one_name_are_merged():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "a\n"},
               {"output_type": "stream", "name": "stderr", "text": "warn\n"},
               {"output_type": "stream", "name": "stdout", "text": "b\n"}]
    kept = golden.text_outputs(outputs)
    assert [o["text"] for o in kept] == ["a\nb\n", "warn\n"]
