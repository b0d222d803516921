"""Sphinx extension: every figure a page shows has alt text, for screen readers and when images fail to load.

Figures drawn by a code cell can be given their own alt text with the cell option
``mystnb: {image: {alt: "..."}}`` (the book's key figures are); a ``{figure}`` directive takes ``:alt:``.
A cell output without one would otherwise be announced by its file name (docutils uses the image's
path as its alt), and the players of ``vaecourse.viz`` (raw HTML) have none. This extension fills in,
for those only, a description from the section the figure belongs to: "Figure in section 'The latent
space' of 'Session 4 · Gaussian KL'", and for a player "Animated figure ... step through its frames with
the buttons below it".

The browser test (tests_browser/) checks that no figure is left without alt text or with a file name.
"""

from __future__ import annotations

import html
import re

from docutils import nodes

PLAYER_IMAGE = re.compile(r'<img id="(_anim_img[0-9a-f]+)"(?![^>]*\balt=)')


def _section_title(node) -> str:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.section) and parent.children and isinstance(parent[0], nodes.title):
            return parent[0].astext()
        parent = parent.parent
    return ""


def _page_title(doctree) -> str:
    for section in doctree.findall(nodes.section):
        if section.children and isinstance(section[0], nodes.title):
            return section[0].astext()
    return ""


def _description(node, page: str, kind: str) -> str:
    section = _section_title(node)
    where = f" in section '{section}'" if section and section != page else ""
    return f"{kind}{where} of '{page}'" if page else f"{kind}{where}"


def fill_alt_text(app, doctree) -> None:
    page = _page_title(doctree)
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        if alt and alt != image.get("uri") and not alt.endswith((".png", ".svg", ".jpg", ".jpeg")):
            continue
        image["alt"] = _description(image, page, "Figure drawn by the code above")
    for raw in doctree.findall(nodes.raw):
        text = raw.astext()
        if "_anim_img" not in text:
            continue
        alt = _description(raw, page, "Animated figure")
        alt += "; step through its frames with the buttons below it"
        new = PLAYER_IMAGE.sub(lambda m: f'<img id="{m.group(1)}" alt="{html.escape(alt)}"', text)
        if new != text:
            raw.children = [nodes.Text(new)]


def setup(app):
    app.connect("doctree-read", fill_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
