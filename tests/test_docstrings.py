"""The examples in the library's docstrings run and print what they claim."""

import doctest
import importlib
import pkgutil

import pytest

import vaecourse


def library_modules():
    for info in pkgutil.walk_packages(vaecourse.__path__, prefix="vaecourse."):
        if not info.name.endswith("__main__"):
            yield info.name


@pytest.mark.parametrize("module_name", sorted(library_modules()))
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"


def test_at_least_the_core_examples_ran():
    ran = sum(doctest.testmod(importlib.import_module(f"vaecourse.core.{m}")).attempted for m in ("kl", "reparam", "bounds"))
    assert ran >= 4
