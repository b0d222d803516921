"""Sphinx extension: remove two console errors that the Jupyter Book 1.x theme stack puts on every page.

1. Inline scripts (``add_js_file(None, body=...)``) end up twice in a page's ``<head>``: Sphinx 7.4
   compares assets by filename, and the copy re-added from the registry has filename ``''`` while
   the original has ``None``, so they never match. sphinx-thebe's inline script declares
   ``const THEBE_JS_URL``; its second copy throws "Identifier 'THEBE_JS_URL' has already been
   declared". We drop the second copy of any inline script with the same body and attributes.
2. On a first visit (empty localStorage) the theme's head script sets ``data-mode=""`` and
   pydata-sphinx-theme then logs "Got invalid theme mode: . Resetting to auto." We set the mode
   to ``auto`` (the theme's own default) before that check runs.

The browser test (tests_browser/) fails on any console error, so it guards both fixes.
"""

from __future__ import annotations

DEFAULT_THEME_MODE = (
    'if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = "auto"; }'
)


def _key(script) -> tuple:
    return (script.filename or "", tuple(sorted(script.attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of several identical scripts (same file, or same inline body) on a page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script) if hasattr(script, "attributes") else (str(script), ())
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.add_js_file(None, body=DEFAULT_THEME_MODE, priority=100)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
