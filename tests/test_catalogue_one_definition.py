"""Each mistake is defined once: no mistake is written outside the catalogue's modules, and no two entries are one mistake.

The scan reads the whole package's source: a ``Mistake(...)`` built outside the catalogue's modules, or a
literal pairing a wrong answer or an id with a sentence (``((0.9,), "P(+|c) is not P(c|+)")``, ``{"id":
"text"}``) outside them, is a mistake defined a second time. Two entries whose titles or explanations are
near-identical (difflib ratio above 0.85), or two mistakes whose variants give the same values (and
gradients) on an exercise's cases, are one mistake written twice. Each is fixed by merging (a retired id
stays readable through ``mistakes.ALIASES``), never by an exemption list.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import re
from pathlib import Path

import pytest

from vaecourse.grading import all_exercises
from vaecourse.grading.mistakes import ALIASES, catalogue, entry

PACKAGE = Path(__file__).resolve().parents[1] / "vaecourse"
# The modules that define entries (mistakes.py's docstring says which kind goes where).
CATALOGUE = {
    "grading/mistakes_generic.py",
    "grading/mistakes_of_method.py",
    "grading/mistakes_of_models.py",
    "grading/mistakes_of_prerequisites.py",
}
CATALOGUE_DIRS = ("grading/bank/",)
PRACTICE = ("practice/",)  # the practice package (skills and the entry diagnostic): mistakes by id only
RATIO = 0.85
_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")  # a mistake id: snake_case with at least one underscore


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in CATALOGUE and not rel.startswith(CATALOGUE_DIRS):
            yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _text(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _sentence(node) -> bool:
    text = _text(node)
    return text is not None and len(text.split()) >= 5


def _answer_like(node) -> bool:
    """A wrong answer (a number, a tuple of numbers, an option letter) or a mistake id."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _answer_like(node.operand)
    if isinstance(node, ast.BinOp):  # a number written as arithmetic, e.g. 0.25 * math.log(0.5)
        return _answer_like(node.left) and _answer_like(node.right)
    if isinstance(node, ast.Call) and ast.unparse(node.func).startswith("math."):
        return all(_answer_like(a) for a in node.args)
    if isinstance(node, ast.Tuple):  # a tuple of numbers, as a written wrong answer (not a tuple of variables)
        return bool(node.elts) and all(_answer_like(e) and _text(e) is None for e in node.elts)
    text = _text(node)
    return text is not None and (re.fullmatch(r"[a-h]", text) is not None or _ID.match(text) is not None)


def mistake_like_definitions() -> list[str]:
    """Where the package defines a mistake outside the catalogue's modules: ``path:line: what``.

    A ``Mistake(...)`` anywhere; a (wrong answer or id, text) pair or an {id: text} dict in the practice
    package (the skills and the entry diagnostic), which names its mistakes by catalogue id only.
    """
    found = []
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name == "Mistake":
                    found.append(f"{rel}:{node.lineno}: Mistake(...) built outside the catalogue")
            elif not rel.startswith(PRACTICE):
                continue
            elif isinstance(node, ast.Tuple) and 2 <= len(node.elts) <= 5:
                if any(_sentence(e) for e in node.elts) and any(_answer_like(e) for e in node.elts if not _sentence(e)):
                    found.append(f"{rel}:{node.lineno}: a (wrong answer or id, text) pair")
            elif isinstance(node, ast.Dict):
                pairs = [(k, v) for k, v in zip(node.keys, node.values) if k is not None]
                if any(_text(k) and _ID.match(_text(k)) and _sentence(v) for k, v in pairs):
                    found.append(f"{rel}:{node.lineno}: a dict of id -> text")
    return found


def near_duplicate_entries(ratio: float = RATIO) -> list[str]:
    """Pairs of catalogue entries whose titles or explanations are near-identical."""
    entries = list(catalogue().values())
    found = []
    for a, b in itertools.combinations(entries, 2):
        for field in ("title", "explanation"):
            matcher = difflib.SequenceMatcher(None, getattr(a, field).lower(), getattr(b, field).lower(), autojunk=False)
            if matcher.real_quick_ratio() > ratio and matcher.quick_ratio() > ratio and matcher.ratio() > ratio:
                found.append(f"{a.name} / {b.name}: {field}s {matcher.ratio():.2f} alike")
    return found


def _records(exercise, variant, cases):
    from vaecourse.grading.observe import observe

    return observe(variant, cases)


def same_behaviour_mistakes(seed: int = 2101) -> list[str]:
    """Pairs of an exercise's mistakes (different ids) with a variant each that gives the same values on its cases."""
    from vaecourse.grading.compare import records_agree, values_agree
    from vaecourse.grading.observe import encode

    found = []
    for exercise in all_exercises():
        named = [m for m in exercise.mistakes if m.variants]
        if exercise.kind == "function":
            cases = exercise.cases(seed)  # the invalid cases too: refusing bad input is behaviour
            made = {m.name: [_records(exercise, v, cases) for v in m.variants] for m in named}
            same = lambda x, y: all(records_agree(r, s, c) for r, s, c in zip(x, y, cases))  # noqa: E731
        elif exercise.kind == "value":
            made = {m.name: [v() for v in m.variants] for m in named}
            made = {k: [encode(v) for v in vs] for k, vs in made.items()}
            same = lambda x, y: values_agree(x, y, exercise.rtol, exercise.atol)  # noqa: E731
        else:
            continue
        for a, b in itertools.combinations(made, 2):
            if any(same(x, y) for x in made[a] for y in made[b]):
                found.append(f"{exercise.id}: {a} and {b} give the same values")
    return found


def test_no_mistake_is_defined_outside_the_catalogue():
    assert mistake_like_definitions() == []


def test_no_two_entries_are_near_duplicates():
    assert near_duplicate_entries() == []


def test_no_two_mistakes_of_an_exercise_behave_the_same():
    assert same_behaviour_mistakes() == []


def test_retired_ids_still_read_as_the_entry_they_were_merged_into():
    entries = catalogue()
    for old, new in ALIASES.items():
        assert old not in entries and entry(old) is entries[new]


def test_the_scan_finds_what_it_looks_for(tmp_path):
    # each kind of second definition is found (the scan itself cannot pass vacuously)
    source = (
        'from vaecourse.grading.exercise import Mistake\n'
        'M = Mistake("x_y", "a title", "an explanation", "s1-monte-carlo", behaviour="b")\n'
        'Q = (((0.9,), "P(positive | condition) is not P(condition | positive)"),)\n'
        'C = ("b", "step() uses the gradients backward() computes: backward first")\n'
        'D = {"kl_missing_half": "the factor one half is missing from the KL"}\n'
        'OK = {"a": "It is >= 0, and 0 only when q = p."}\n'
    )
    (tmp_path / "practice").mkdir()
    (tmp_path / "practice" / "bad.py").write_text(source)
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        found = mistake_like_definitions()
    finally:
        PACKAGE = saved
    assert sorted(f.split(":")[1] for f in found) == ["2", "3", "4", "5"], found


@pytest.mark.parametrize(("a", "b", "alike"), [("the sign is flipped", "the sign is flipped.", True), ("the sign is flipped", "the KL is not symmetric", False)])
def test_near_duplicate_ratio_separates_copies_from_different_mistakes(a, b, alike):
    assert (difflib.SequenceMatcher(None, a, b).ratio() > RATIO) == alike


_NAMING_CALLS = {"entry", "mistake_id"}  # the lookups a judge names a mistake through


def named_mistake_ids(root: Path | None = None) -> dict[str, str]:
    """Every mistake id written as a literal in the grading package's judges and checkers: ``{id: "path:line"}``.

    Found where a result names its mistake: a ``mistake=`` argument, an argument of ``entry``/``mistake_id``,
    a key of ``GENERIC_BY_NAME``, and a returned string or a returned tuple's string element that is id-like
    (snake_case, an underscore).
    """
    root = root or PACKAGE / "grading"
    found: dict[str, str] = {}

    def add(node, rel):
        text = _text(node)
        if text is not None and _ID.match(text):
            found.setdefault(text, f"{rel}:{node.lineno}")

    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                for k in node.keywords:
                    if k.arg == "mistake":
                        add(k.value, rel)
                if name in _NAMING_CALLS and node.args:
                    add(node.args[0], rel)
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("GENERIC_BY_NAME"):
                add(node.slice, rel)
            elif isinstance(node, ast.Return) and node.value is not None:
                for value in node.value.elts if isinstance(node.value, ast.Tuple) else (node.value,):
                    add(value, rel)
    return found


def test_every_mistake_a_judge_or_checker_names_is_a_catalogue_entry():
    named = named_mistake_ids()
    assert len(named) >= 20  # the capstone's judges alone name more: the scan cannot pass vacuously
    missing = {}
    for mistake_id, where in named.items():
        try:
            entry(mistake_id)
        except KeyError:
            missing[mistake_id] = where
    assert missing == {}


def test_the_id_scan_finds_the_bare_ids_the_judges_returned_before(tmp_path):
    # the capstone judges' old code, which returned ids that were no entries: the scan must see each one
    (tmp_path / "old_judge.py").write_text(
        'def judge_gradients(record, points):\n'
        '    if dead_decoder:\n'
        '        return 0.0, f"no gradient reaches {dead_decoder}.", "capstone_decoder_not_trained"\n'
        '    return 0.0, "diverged", "training_diverged", {}\n'
        'def _name_scaling(a, b):\n'
        '    return "capstone_loss_is_elbo"\n'
        'R = Result(ex, "wrong", "text", mistake="capstone_made_up_id")\n'
        'N = mistake_id("capstone_other_made_up_id")\n'
        'G = GENERIC_BY_NAME["sign_flipped"]\n'
    )
    named = named_mistake_ids(tmp_path)
    assert set(named) == {"capstone_decoder_not_trained", "training_diverged", "capstone_loss_is_elbo",
                          "capstone_made_up_id", "capstone_other_made_up_id", "sign_flipped"}
    for made_up in ("capstone_made_up_id", "capstone_other_made_up_id"):
        with pytest.raises(KeyError):
            entry(made_up)
