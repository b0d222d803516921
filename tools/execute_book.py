"""Execute the book's notebooks two at a time into jupyter-book's cache, so the build that follows only renders them.

    python tools/execute_book.py [--jobs 2]      # then: jupyter-book build .   (make book / book-strict do both)

``jupyter-book build`` (``execute_notebooks: cache`` in ``_config.yml``) executes one notebook at a time
and stores each executed notebook in its jupyter-cache (``_build/.jupyter_cache``); a notebook whose
code cells already match a cached one is not executed again. This tool does the same execution,
with the same call myst-nb makes (``single_nb_execution`` in the page's folder, the configured
timeout, errors not allowed), for every page of ``_toc.yml`` that the cache lacks, ``--jobs`` pages
at a time, and stores the executed notebooks the way myst-nb does. A page reads the same way as in
the build (myst-nb's MyST reader with the book's MyST extensions), so the cache's hash of its code
cells matches. A page that fails here is not stored: the build executes it again and reports its
error and traceback as usual, so the strict build checks exactly what it checked before.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent


def toc_files(root: Path = ROOT) -> list[Path]:
    """The source (``.md`` or ``.ipynb``) of every page in ``_toc.yml``, read by the build's own parser."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    found = []
    for docname in parse_toc_yaml(root / "_toc.yml"):
        found += [path for path in (root / f"{docname}.md", root / f"{docname}.ipynb") if path.is_file()][:1]
    return found


def book_settings(root: Path = ROOT) -> dict:
    """The execution settings of ``_config.yml`` as jupyter-book hands them to myst-nb."""
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(user_yaml=root / "_config.yml", cli_config={"latex_individualpages": False},
                                 sourcedir=root)
    return {  # the cache's default is myst-nb's: beside the html output, _build/.jupyter_cache
        "cache": root / (config.get("nb_execution_cache_path") or Path("_build", ".jupyter_cache")),
        "mode": config.get("nb_execution_mode"),
        "timeout": config.get("nb_execution_timeout", 30),
        "allow_errors": config.get("nb_execution_allow_errors", False),
        "in_temp": config.get("nb_execution_in_temp", False),
        "extensions": set(config.get("myst_enable_extensions") or []),
        "exclude": list(config.get("nb_execution_excludepatterns") or []),
    }


def read_page(path: Path, extensions: set[str]):
    """The notebook myst-nb builds from a page (a MyST notebook or an .ipynb), or None if it is not a notebook."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook, standard_nb_read
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return standard_nb_read(text)
    if not is_myst_markdown_notebook(text):
        return None
    return read_myst_markdown_notebook(text, config=MdParserConfig(enable_extensions=extensions),
                                       add_source_map=True, path=str(path))


def _execute(job: tuple[str, dict, int, bool]) -> tuple[str, dict | None, float, str | None]:
    """Execute one notebook in its page's folder (a worker process); returns it executed, or the error."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    path, notebook, timeout, allow_errors = job
    notebook = nbformat.from_dict(notebook)
    result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        return path, None, result.time, f"{type(result.err).__name__}: {result.err}"
    return path, notebook, result.time, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default 2)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    settings = book_settings()
    if settings["mode"] != "cache" or settings["in_temp"]:
        print(f"execute_book: nothing to do (execute_notebooks is {settings['mode']!r}, run_in_temp "
              f"{settings['in_temp']}): the build executes the notebooks itself")
        return 0
    cache = get_cache(str(settings["cache"]))
    jobs = []
    for path in toc_files():
        notebook = read_page(path, settings["extensions"])
        if notebook is None or any(PurePosixPath(path.as_posix()).match(p) for p in settings["exclude"]):
            continue  # not a notebook, or one the build does not execute
        try:
            cache.match_cache_notebook(notebook)
            continue  # already executed with this code
        except KeyError:
            jobs.append((str(path), notebook, settings["timeout"], settings["allow_errors"]))
    start = time.monotonic()
    print(f"execute_book: executing {len(jobs)} notebook(s), {args.jobs} at a time", flush=True)
    failed = []
    with multiprocessing.get_context("spawn").Pool(min(args.jobs, max(len(jobs), 1))) as pool:
        for path, notebook, seconds, error in pool.imap_unordered(_execute, jobs):
            name = Path(path).relative_to(ROOT)
            if error is not None:
                failed.append(str(name))
                print(f"execute_book: {name} failed ({error}); the build runs it again and reports it", flush=True)
                continue
            cache.cache_notebook_bundle(CacheBundleIn(notebook, path, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"execute_book: {name} executed in {seconds:.1f} s", flush=True)
    print(f"execute_book: done in {time.monotonic() - start:.0f} s"
          + (f"; {len(failed)} failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 0  # failures are the build's to report, with their tracebacks


if __name__ == "__main__":
    sys.exit(main())
