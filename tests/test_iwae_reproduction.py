"""The paper's table in one place, the results file's checks, and the book page's table drawn from the committed results."""

import copy
import json
import sys
from pathlib import Path

import pytest

from vaecourse.studies.iwae_reproduction import (
    BURDA_2016_TABLE1,
    NO_PAPER_FIGURE,
    comparison_rows,
    comparison_table,
    iwae_verdict,
    load_results,
    paper_nll,
    parse_setting,
    setting_name,
    speed_table,
)

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import notebook_golden  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "iwae_fashion-mnist.json"
PAGE = ROOT / "book" / "s5_practice" / "mnist_scale.md"


def test_the_papers_figures():
    assert BURDA_2016_TABLE1["passes"] == 3280 and BURDA_2016_TABLE1["eval_k"] == 5000
    assert [paper_nll("VAE", k) for k in (1, 5, 50)] == [86.76, 86.47, 86.35]
    assert [paper_nll("IWAE", k) for k in (1, 5, 50)] == [86.76, 85.54, 84.78]
    assert paper_nll("VAE", 1, layers=2) == 85.33 and paper_nll("IWAE", 50, layers=2) == 82.90
    assert paper_nll("IWAE", 7) is None
    with pytest.raises(ValueError, match="method must be one of"):
        paper_nll("vae", 1)


def test_settings_are_parsed_and_named():
    assert parse_setting("iwae-k5") == ("IWAE", 5) == parse_setting("IWAE k=5")
    assert setting_name(*parse_setting("vae-k1")) == "VAE k=1"
    for bad in ("iwae", "vae-k0", "gan-k3", "iwae-kx"):
        with pytest.raises(ValueError, match="a setting is METHOD-kK"):
            parse_setting(bad)


def minimal_results(dataset="mnist", gain=1.0, se=0.1):
    curve = {"pass": [1, 2], "seconds": [1.0, 2.0], "train_elbo": [-100.0, -95.0], "test_elbo": [-101.0, -97.0],
             "test_nll_small_k": [99.0, 96.5]}
    run = lambda name, method, k, nll, seconds: {  # noqa: E731
        "name": name, "method": method, "k": k, "passes": 2, "seconds_per_pass": seconds, "test_nll": nll,
        "test_elbo": -nll - 3, "active_units": 20, "curve": curve}
    return {"schema": 1, "dataset": dataset, "passes": 2, "batch_size": 20,
            "hardware": {"description": "a test machine"}, "evaluation": {"k": 5000, "images": 10},
            "runs": [run("VAE k=1", "VAE", 1, 96.0, 10.0), run("IWAE k=5", "IWAE", 5, 96.0 - gain, 18.0)],
            "differences": [{"a": "IWAE k=5", "b": "VAE k=1", "mean": -gain, "se": se}]}


def test_the_table_shows_the_papers_figure_only_for_mnist():
    mnist = comparison_table(minimal_results("mnist"))
    assert "paper, MNIST, 3280 passes" in mnist and "86.76" in mnist and "85.54" in mnist
    assert "test NLL (k=5000)" in mnist and "hardware: a test machine" in mnist
    assert "IWAE k=5 - VAE k=1: -1.00 +- 0.10 nats" in mnist
    fashion = comparison_rows(minimal_results("fashion-mnist"))
    assert [row["paper"] for row in fashion] == [NO_PAPER_FIGURE] * 2


def test_the_verdict_reads_the_measurements():
    assert iwae_verdict(minimal_results(gain=1.0)).startswith("IWAE k=5 beats VAE k=1 at equal passes (2)")
    unresolved = iwae_verdict(minimal_results(gain=0.1, se=0.1))
    assert "does not beat VAE k=1 beyond the noise" in unresolved
    assert "1.8x the VAE's time" in unresolved and "still fell 2.50 nats over the last pass" in unresolved
    # one sentence per IWAE setting, in the order of the results file
    results = minimal_results(gain=1.0)
    results["runs"].append({**results["runs"][1], "name": "IWAE k=50", "k": 50, "seconds_per_pass": 40.0})
    results["differences"].append({"a": "IWAE k=50", "b": "VAE k=1", "mean": -0.05, "se": 0.1})
    first, second = iwae_verdict(results).splitlines()
    assert first.startswith("IWAE k=5 beats VAE k=1") and second.startswith("IWAE k=50 does not beat VAE k=1")
    assert "4.0x the VAE's time" in second
    assert iwae_verdict({**results, "differences": []}) == "no IWAE-VAE pair in this results file"


def test_bad_results_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="results file not found: .*run `python benchmarks/reproduce_iwae.py`"):
        load_results(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        load_results(tmp_path / "bad.json")
    for change, message in ((lambda r: r.pop("evaluation"), r"lacks the field\(s\) \['evaluation'\]"),
                            (lambda r: r.update(schema=2), "has schema 2; this vaecourse reads schema 1"),
                            (lambda r: r["runs"][1].pop("curve"), r"runs\[1\] lacks the field\(s\) \['curve'\]")):
        results = copy.deepcopy(minimal_results())
        change(results)
        (tmp_path / "r.json").write_text(json.dumps(results))
        with pytest.raises(ValueError, match=message):
            load_results(tmp_path / "r.json")


# --- the committed run and the page that shows it -------------------------------------------------------

def test_the_committed_results_are_a_complete_cpu_run():
    results = load_results(RESULTS)
    assert results["dataset"] == "fashion-mnist" and results["train_images"] == 60000
    assert results["evaluation"]["k"] == BURDA_2016_TABLE1["eval_k"]
    assert [run["name"] for run in results["runs"]][:2] == ["VAE k=1", "IWAE k=5"]
    assert all(run["passes"] == results["passes"] == len(run["curve"]["pass"]) for run in results["runs"])
    timed = {(step["setting"], step["batch"]) for step in results["speed"]["steps"]}
    assert timed == {("VAE k=1", 20), ("IWAE k=5", 20), ("IWAE k=50", 20), ("VAE k=1", 128), ("IWAE k=5", 128)}
    for step in results["speed"]["steps"]:  # every step has its matmul ceiling, the VAE steps their comparisons
        assert 0 < step["fraction_of_peak"] < step["matmuls_only_fraction_of_peak"] <= 1.05
        for prefix in ("prebinarized_", "bare_"):
            assert (f"{prefix}fraction_of_peak" in step) == step["setting"].startswith("VAE")
    assert "% of peak" in speed_table(results["speed"])


def test_the_speed_table_names_the_steps_that_reach_the_target():
    speed = {"threads": 1, "matmul_peak_gflops": 100.0, "matmul_size": 2048, "rounds": 7, "steps": [
        {"setting": "VAE k=1", "batch": 20, "ms_per_step": 3.2, "gflops": 15.0, "fraction_of_peak": 0.15,
         "prebinarized_ms_per_step": 3.0, "prebinarized_fraction_of_peak": 0.16,
         "bare_ms_per_step": 2.6, "bare_fraction_of_peak": 0.185,
         "matmuls_only_ms_per_step": 0.7, "matmuls_only_fraction_of_peak": 0.686},
        {"setting": "IWAE k=50", "batch": 20, "ms_per_step": 28.5, "gflops": 48.6, "fraction_of_peak": 0.486,
         "matmuls_only_ms_per_step": 15.3, "matmuls_only_fraction_of_peak": 0.905}]}
    lines = speed_table(speed).splitlines()
    assert "peak 100.0 GFLOP/s (square 2048 products), best of 7" in lines[0]
    assert lines[1].endswith("15.0% of peak below")
    assert lines[2].split() == "fit on images binarized beforehand 3.00 ms/step = 16.0% of peak".split()
    assert lines[3].split() == "bare PyTorch loop, same images 2.60 ms/step = 18.5% of peak".split()
    assert lines[4].split() == "the step's matrix products alone 0.70 ms/step = 68.6% of peak".split()
    assert lines[5].endswith("48.6% of peak PASS")
    assert lines[6].split() == "the step's matrix products alone 15.30 ms/step = 90.5% of peak".split()
    assert lines[7] == "target >= 40% of peak: met by IWAE k=50 batch 20"
    assert speed_table(speed, target=0.5).splitlines()[-1] == "target >= 50% of peak: met by none"


def test_the_page_prints_the_table_of_the_committed_results():
    source = PAGE.read_text()
    assert "benchmarks/results/iwae_fashion-mnist.json" in source
    assert "comparison_table(results)" in source and "load_results(" in source
    golden = json.loads(notebook_golden.golden_path(PAGE).read_text())
    printed = [notebook_golden.output_text(cell["outputs"]) for cell in golden["cells"]]
    results = load_results(RESULTS)
    assert any(comparison_table(results) in text for text in printed), "the page's table differs from the results"
    assert any(iwae_verdict(results) in text for text in printed)
    # The speed of a step is recorded in benchmarks/README.md, not on the learner's page (issue 24).
