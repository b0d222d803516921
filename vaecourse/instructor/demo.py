"""A demo class for trying the grader: Session 4 notebooks filled in with right, partly right and wrong answers.

:func:`fill_notebook` puts code into a student edition: for each answer name it replaces the cell
that defines it (``def gaussian_kl(...)`` or ``kl_value = None``) with the code given. The tests,
the benchmark and anyone evaluating the grader use it::

    python -m vaecourse.instructor.demo DEMO_DIR --students 12
    vaecourse grade DEMO_DIR/submissions --out DEMO_DIR/graded --manifest DEMO_DIR/assignment/manifest.json
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

GAUSSIAN_KL = '''def gaussian_kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=-1)'''
BERNOULLI = '''def bernoulli_log_likelihood(logits, x):
    if ((x < 0) | (x > 1)).any():
        raise ValueError(f"x must lie in [0, 1]; found values from {x.min().item()} to {x.max().item()}")
    return (x * logits - torch.nn.functional.softplus(logits)).sum(dim=-1)'''

# Right answers, worked out by hand: KL(N((2, 0), diag(0.25, 4)) || N(0, I)) = 0.5 (4.25 - ln 0.25 - 1
# + 4 - ln 4 - 1) = 3.125 (the logs cancel); log N((1, 2); 0, I) = -5/2 - ln(2 pi).
CORRECT = {
    "gaussian_kl": GAUSSIAN_KL,
    "kl_value": "kl_value = 3.125",
    "bernoulli_log_likelihood": BERNOULLI,
    "gaussian_value": "gaussian_value = -2.5 - math.log(2 * math.pi)",
    "reductions_answer": 'reductions_answer = "b"',
}
_KL = "def gaussian_kl(mu, logvar):\n    return {}"
# Each variant: the answers that differ from CORRECT (None keeps the untouched stub).
VARIANTS: dict[str, dict[str, str | None]] = {
    "correct": {},
    "partly_correct": {"bernoulli_log_likelihood": None, "gaussian_value": "gaussian_value = -5.0"},
    "kl_missing_half": {"gaussian_kl": _KL.format("(mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=-1)")},
    "kl_batch_mean": {"gaussian_kl": _KL.format("0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=-1).mean()")},
    "kl_logvar_as_variance": {"gaussian_kl": _KL.format("0.5 * (mu.pow(2) + logvar - torch.log(logvar) - 1).sum(dim=-1)")},
    "wrong_choice": {"reductions_answer": 'reductions_answer = "a"'},
    "untouched": {name: None for name in CORRECT},
}
# The catalogued mistake each variant makes in gaussian_kl (what the gradebook should name).
VARIANT_MISTAKES = {"kl_missing_half": "kl_missing_half", "kl_batch_mean": "kl_batch_mean",
                    "kl_logvar_as_variance": "kl_logvar_as_variance"}


def _defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
    return False


def fill_notebook(student_nb, answers: dict[str, str | None]):
    """A copy of ``student_nb`` with the cell defining each answer name replaced by its code (None: untouched)."""
    nb = copy.deepcopy(student_nb)
    for name, code in answers.items():
        if code is None:
            continue
        cells = [c for c in nb.cells if c.cell_type == "code" and _defines(c.source, name)]
        if not cells:
            raise ValueError(f"no cell of the notebook defines {name!r}")
        cells[0].source = code
    return nb


def variant_answers(variant: str) -> dict[str, str | None]:
    """The full answer set of a demo variant."""
    return {**CORRECT, **VARIANTS[variant]}


def write_demo_class(folder: str | Path, students: int = 12) -> tuple[Path, Path]:
    """Assign Session 4 into ``folder/assignment`` and write ``students`` submissions cycling through the variants.

    Returns:
        ``(submissions folder, manifest path)``.
    """
    from .assign import assign

    folder = Path(folder)
    manifest = assign(["s4"], folder / "assignment")
    notebook = manifest["sessions"][0]["notebook"]
    student_nb = nbformat.read(str(folder / "assignment" / notebook), as_version=4)
    names = list(VARIANTS)
    for index in range(students):
        variant = names[index % len(names)]
        target = folder / "submissions" / f"student{index + 1:03d}_{variant}"
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(fill_notebook(student_nb, variant_answers(variant)), str(target / notebook))
    return folder / "submissions", folder / "assignment" / "manifest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaecourse.instructor.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="where to write assignment/ and submissions/")
    parser.add_argument("--students", type=int, default=12)
    args = parser.parse_args(argv)
    submissions, manifest = write_demo_class(args.folder, args.students)
    print(f"wrote {args.students} submissions to {submissions} (manifest: {manifest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
