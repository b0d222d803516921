"""Checked outputs are portable: no golden or exercise output prints digits that only round-off decides."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import notebook_golden as golden  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_FILES = sorted(golden.GOLDEN_DIR.glob("*.json"))
EXERCISE_NOTEBOOKS = sorted(path for path in (ROOT / "exercises").rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts)


def golden_cells():
    for path in GOLDEN_FILES:
        stored = json.loads(path.read_text())
        for number, entry in enumerate(stored["cells"], start=1):
            yield f"{stored['page']}, checked cell {number} ({entry['first_line'][:60]!r})", entry["outputs"]


def exercise_cells():
    for path in EXERCISE_NOTEBOOKS:
        notebook = json.loads(path.read_text())
        code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        for number, cell in enumerate(code_cells, start=1):
            if golden.MARKER in "".join(cell["source"]):
                yield f"{path.relative_to(ROOT)}, code cell {number}", cell.get("outputs", [])


def test_there_are_golden_outputs_to_audit():
    assert len(GOLDEN_FILES) >= 10 and sum(1 for _ in golden_cells()) >= 50
    assert EXERCISE_NOTEBOOKS, "the exercise notebooks were not found"


def test_no_checked_output_prints_round_off():
    offenders = [f"{where}: {'; '.join(found)}"
                 for where, outputs in (*golden_cells(), *exercise_cells())
                 if (found := golden.roundoff_numbers(golden.output_text(outputs)))]
    assert not offenders, "checked outputs that differ between machines:\n  " + "\n  ".join(offenders)


@pytest.mark.parametrize("text", [
    "largest |log p(x) - ELBO - KL| along the path: 2.2e-15",
    "identity error: 0.000000000003",
    "its exp is about 1e-43",
    "sum = 0.30000000000000004",
    "mean -0.000, sd 2.088",
    "mean +0.00",
    "tensor([ 0.5000, -0.0000])",
])
def test_round_off_is_flagged(text):
    assert golden.roundoff_numbers(text)


@pytest.mark.parametrize("text", [
    "identity holds to < 1e-12: True",
    "alpha_bar_T = 2.039e-05, 2.04e-05",
    "KL =   0.0000   sign dropped:  -0.7013",
    "digest dd117564539502bc, s2_elbo, 1e-3, 12.5%.",
    "-ELBO =    17.78 nats; 0.46 +- 0.03",
    "lr 3e-4, eps 1e-08",
    "tensor(3.1250)",
])
def test_stable_numbers_pass(text):
    assert golden.roundoff_numbers(text) == []


def test_update_refuses_to_store_round_off(tmp_path):
    (tmp_path / "book").mkdir()
    page = tmp_path / "book" / "page.md"
    page.write_text("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
                    "kernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n"
                    "```{code-cell} ipython3\n# NBVAL_CHECK_OUTPUT\nprint(f'residual {0.1 + 0.2 - 0.3:.1e}')\n```\n")
    with pytest.raises(golden.GoldenError, match=r"book/page.md, checked cell 1: .*5.6e-17"):
        golden.update([page], root=tmp_path, golden_dir=tmp_path / "golden")
    assert not (tmp_path / "golden").exists()
