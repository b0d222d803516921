"""The book's Sphinx extensions that need no build: what hide_checks removes from a cell's rendered code."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "hide_checks", Path(__file__).resolve().parent.parent / "book" / "_ext" / "hide_checks.py")
hide_checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hide_checks)


def test_marker_and_asserts_go_the_rest_stays():
    source = (
        "# NBVAL_CHECK_OUTPUT\n"
        "x = compute()  # the value\n"
        "for a in range(3):\n"
        "    y = a\n"
        "    # the check of y\n"
        "    assert y >= 0, (\n"
        "        'negative')\n"
        "for b in range(2):\n"
        "    assert b < 3\n"
        "print(x)\n"
    )
    assert hide_checks.strip_checks(source) == "x = compute()  # the value\nfor a in range(3):\n    y = a\nprint(x)"


def test_a_cell_of_checks_only_becomes_empty_and_unparsable_code_keeps_all_but_the_marker():
    assert hide_checks.strip_checks("assert 1 == 1\nassert True\n") == ""
    assert hide_checks.strip_checks("# NBVAL_CHECK_OUTPUT\n%timeit f()\nassert x") == "%timeit f()\nassert x"


def test_a_comment_above_a_kept_statement_stays():
    source = "# explains z\nz = 1\nassert z\n"
    assert hide_checks.strip_checks(source) == "# explains z\nz = 1"
