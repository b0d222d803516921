"""The book's "common mistakes" sections render the one catalogue: each page's section is a hidden cell that
displays ``mistakes.markdown([...])`` for catalogue ids, and no page keeps a hand-written list of mistakes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vaecourse.grading.mistakes import catalogue, markdown
from vaecourse.grading.mistakes_of_method import METHOD
from vaecourse.grading.sections import SECTION_TOPICS

BOOK = Path(__file__).resolve().parents[1] / "book"

# Every page with a "Common mistakes" section, and the label that opens it.
PAGES = {
    "s1_bayes/bayes_refresher.md": "s1-common-mistakes",
    "s2_elbo/elbo.md": "s2-common-mistakes",
    "s3_reparameterization/reparameterization.md": "s3-common-mistakes",
    "s4_gaussian_kl/gaussian_kl.md": "s4-common-mistakes",
    "s5_practice/vaes_in_practice.md": "s5-practice-common-mistakes",
    "s5_practice/iwae.md": "s5-iwae-common-mistakes",
    "s5_practice/mnist_scale.md": "s5-mnist-scale-common-mistakes",
    "s6_collapse/posterior_collapse.md": "s6-common-mistakes",
    "s6_collapse/beta_vae.md": "s6-beta-common-mistakes",
    "s7_diffusion/diffusion_bridge.md": "s7-common-mistakes",
}

CELL = re.compile(r"```\{code-cell\}[^\n]*\n(?P<body>.*?)\n```", re.S)
HAND_WRITTEN = (
    re.compile(r"^#{2,4} Mistake\b", re.M),  # "### Mistake 2: ..." headings
    re.compile(r"^\s*(?:[-*+]|\d+[.)]) ", re.M),  # a Markdown list outside the cells
    re.compile(r"\*\*Fix:?\*\*"),  # a hand-written fix
    re.compile(r"\{admonition\}\s*Common mistake", re.I),
)


def _section(page: str, label: str) -> str:
    text = (BOOK / page).read_text(encoding="utf-8")
    start = text.index(f"({label})=\n")
    end = text.find("\n## ", text.index("## Common mistakes", start) + 5)
    return text[start : end if end > 0 else len(text)]


def _catalogue_ids(section: str) -> list[str]:
    """The ids the section's catalogue cell renders (it must have exactly one such cell)."""
    cells = [m["body"] for m in CELL.finditer(section) if "mistakes.markdown(" in m["body"]]
    assert len(cells) == 1, f"{len(cells)} catalogue cells"
    body = cells[0]
    assert re.search(r"^:tags: \[remove-input\]$", body, re.M), "the catalogue cell must be tagged remove-input"
    call = ast.parse("\n".join(line for line in body.splitlines() if not line.startswith(":"))).body[-1]
    assert isinstance(call, ast.Expr), "the cell must end by displaying Markdown(mistakes.markdown([...]))"
    assert ast.unparse(call.value.func) == "Markdown" and ast.unparse(call.value.args[0].func) == "mistakes.markdown"
    return ast.literal_eval(call.value.args[0].args[0])


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_common_mistakes_section_is_the_catalogue_cell(page):
    section = _section(page, PAGES[page])
    ids = _catalogue_ids(section)
    known = catalogue()
    assert ids and len(ids) == len(set(ids)), ids
    assert not [i for i in ids if i not in known], f"{page}: ids not in the catalogue"
    prose = CELL.sub("", section)
    for pattern in HAND_WRITTEN:
        assert not pattern.search(prose), f"{page}: hand-written mistakes left ({pattern.pattern})"
    for shown in re.findall(r"^### Seen in code: (.*)$", prose, re.M):  # the runs name listed entries only
        assert set(re.findall(r"`([a-z0-9_]+)`", shown)) <= set(ids), (page, shown)


def test_no_page_has_a_hand_written_common_mistakes_section():
    for path in sorted(BOOK.rglob("*.md")):
        if "_build" in path.parts:
            continue
        page = path.relative_to(BOOK).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.search(r"^## Common mistakes", text, re.M):
            assert page in PAGES, f"{page} has a Common mistakes section the test does not know: add it to PAGES"
        prose = CELL.sub("", text)
        assert not re.search(r"^#{2,4} Mistake \d", prose, re.M), page
        assert not HAND_WRITTEN[3].search(prose), f"{page}: a hand-written common-mistake admonition"


def test_the_rendered_list_names_each_entry_and_links_its_section():
    ids = ["kl_mean_over_latent", "sign_flipped", "nll_without_k"]
    lines = markdown(ids).split("\n")
    assert len(lines) == 3 and all(line.startswith("- **") for line in lines)
    for mistake_id, line in zip(ids, lines):
        m = catalogue()[mistake_id]
        assert f"(`{mistake_id}`)" in line and m.explanation in line
        assert (f"{{ref}}`{m.section}`" in line) == bool(m.section)  # the generic entries have no section
    with pytest.raises(KeyError):
        markdown(["no_such_mistake"])


def test_every_mistake_of_method_is_defined_fully_and_shown_in_the_book():
    shown = {i for page, label in PAGES.items() for i in _catalogue_ids(_section(page, label))}
    for m in METHOD:
        assert m.title and m.explanation and m.section in SECTION_TOPICS and m.behaviour, m.name
        assert m.name in shown, f"{m.name} is in no book page's common mistakes"
    assert len(shown) >= 30
