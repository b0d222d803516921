r"""Burda et al.'s (2016) Table 1 and the comparison of a reproduction run with it, read from the results file the run wrote.

The paper trains on dynamically binarized MNIST for 3280 passes and reports the test negative
log-likelihood, estimated with k = 5000 importance samples,

.. math:: \mathrm{NLL} = -\frac1N\sum_{n=1}^N \log\frac1{5000}\sum_{i=1}^{5000}\frac{p(x_n, z_i)}{q(z_i\mid x_n)}.

:data:`BURDA_2016_TABLE1` is the one place the paper's figures are written; ``benchmarks/reproduce_iwae.py``
writes a results file (:func:`load_results` checks it) and :func:`comparison_table` sets the two side by side.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

BURDA_2016_TABLE1 = {
    "citation": "Y. Burda, R. Grosse and R. Salakhutdinov, Importance Weighted Autoencoders, ICLR 2016, Table 1",
    "dataset": "mnist",
    "binarization": "dynamic",
    "passes": sum(3**i for i in range(8)),  # 3^i epochs at each of the 8 learning rates: 3280
    "eval_k": 5000,
    # (method, k, stochastic layers) -> test NLL in nats. Only the figures this course compares against:
    # the one-stochastic-layer rows (the course's 784-200-200-50 recipe) and the two-layer VAE k=1 / IWAE k=50.
    "test_nll": {
        ("VAE", 1, 1): 86.76, ("VAE", 5, 1): 86.47, ("VAE", 50, 1): 86.35,
        ("IWAE", 1, 1): 86.76, ("IWAE", 5, 1): 85.54, ("IWAE", 50, 1): 84.78,
        ("VAE", 1, 2): 85.33, ("IWAE", 50, 2): 82.90,
    },
}
"""The paper's test NLLs on MNIST; the course's recipe has one stochastic layer, so it compares with those rows."""

METHODS = {"VAE": "elbo", "IWAE": "iwae"}  # the paper's column -> fit's objective
RESULTS_SCHEMA = 1
NO_PAPER_FIGURE = "n/a (the paper reports MNIST)"
_RUN_KEYS = ("name", "method", "k", "passes", "seconds_per_pass", "test_nll", "test_elbo", "active_units", "curve")
_TOP_KEYS = ("schema", "dataset", "passes", "batch_size", "hardware", "evaluation", "runs", "differences")


def paper_nll(method: str, k: int, layers: int = 1) -> float | None:
    """The paper's test NLL for ``method`` ("VAE" or "IWAE") trained with ``k`` samples, or None if not listed."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return BURDA_2016_TABLE1["test_nll"].get((method, int(k), int(layers)))


def setting_name(method: str, k: int) -> str:
    """The name of a training setting, as in the paper's table: ``"IWAE k=5"``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return f"{method} k={int(k)}"


def parse_setting(text: str) -> tuple[str, int]:
    """``"iwae-k5"`` or ``"IWAE k=5"`` -> ``("IWAE", 5)``; raises ValueError naming the accepted form."""
    cleaned = text.strip().upper().replace("=", "").replace(" ", "-")
    method, _, k = cleaned.partition("-K")
    if method not in METHODS or not k.isdigit() or int(k) < 1:
        raise ValueError(f"a setting is METHOD-kK with METHOD vae or iwae and K >= 1 (e.g. iwae-k5), got {text!r}")
    return method, int(k)


def load_results(path: str | os.PathLike) -> dict:
    """Read a results file of ``benchmarks/reproduce_iwae.py`` and check that it has what the table needs.

    Raises:
        FileNotFoundError: no file at ``path`` (the message says how to make one).
        ValueError: not JSON, another schema version, or a missing field (named, with the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"results file not found: {path}; run `python benchmarks/reproduce_iwae.py` to write it")
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from None
    missing = [key for key in _TOP_KEYS if key not in results]
    if missing:
        raise ValueError(f"{path} lacks the field(s) {missing} of a reproduce_iwae results file")
    if results["schema"] != RESULTS_SCHEMA:
        raise ValueError(f"{path} has schema {results['schema']!r}; this vaecourse reads schema {RESULTS_SCHEMA}")
    for number, run in enumerate(results["runs"]):
        missing = [key for key in _RUN_KEYS if key not in run]
        if missing:
            raise ValueError(f"{path}: runs[{number}] lacks the field(s) {missing}")
    return results


def _paper_column(results: dict, run: dict) -> str:
    if results["dataset"] != BURDA_2016_TABLE1["dataset"]:
        return NO_PAPER_FIGURE
    figure = paper_nll(run["method"], run["k"])
    return "not in the table" if figure is None else f"{figure:.2f}"


def comparison_rows(results: dict) -> list[dict]:
    """One row per run: setting, passes, test NLL (k of the evaluation), the paper's figure, seconds per pass
    and active units (of this run)."""
    evaluation = results["evaluation"]
    return [{"setting": run["name"], "passes": run["passes"], "test_nll": f"{run['test_nll']:.2f}",
             "paper": _paper_column(results, run), "seconds_per_pass": f"{run['seconds_per_pass']:.1f}",
             "active_units": str(run["active_units"]), "eval_k": evaluation["k"]} for run in results["runs"]]


def comparison_table(results: dict) -> str:
    """The table of the book page: this run's test NLLs beside the paper's, with passes and hardware stated."""
    evaluation, hardware = results["evaluation"], results["hardware"]
    paper_header = f"paper, MNIST, {BURDA_2016_TABLE1['passes']} passes"
    header = ("setting", "passes", f"test NLL (k={evaluation['k']})", paper_header, "s / pass", "active units")
    rows = [(r["setting"], str(r["passes"]), r["test_nll"], r["paper"], r["seconds_per_pass"], r["active_units"])
            for r in comparison_rows(results)]
    widths = [max(len(line[i]) for line in (header, *rows)) for i in range(len(header))]
    line = lambda cells: "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()  # noqa: E731
    lines = [f"{results['dataset']}, dynamically binarized; batch {results['batch_size']}; "
             f"test NLL on {evaluation['images']} test images",
             f"hardware: {hardware['description']}", line(header), line(["-" * w for w in widths]),
             *(line(row) for row in rows)]
    for difference in results["differences"]:
        lines.append(f"{difference['a']} - {difference['b']}: {difference['mean']:+.2f} +- {difference['se']:.2f} nats "
                     f"(paired over the same test images)")
    return "\n".join(lines)


def iwae_verdict(results: dict, z: float = 2.0) -> str:
    r"""Whether each IWAE beat the VAE at equal passes, and, if not, what the run's own measurements say why.

    One sentence per IWAE-VAE pair of the results file. "Beat" means a lower test NLL by more than ``z``
    standard errors of the paired difference. Otherwise the reasons given are measured: the ratio of the
    times per pass, and how much the learning curve (minus the curve's test bound) still fell over the
    last pass.
    """
    runs = {run["name"]: run for run in results["runs"]}
    verdicts = []
    for difference in results["differences"]:
        if not (difference["a"].startswith("IWAE") and difference["b"].startswith("VAE")):
            continue
        iwae, vae = runs[difference["a"]], runs[difference["b"]]
        gain, se = -difference["mean"], difference["se"]
        cost = iwae["seconds_per_pass"] / vae["seconds_per_pass"]
        if gain > z * se:
            verdicts.append(f"{iwae['name']} beats {vae['name']} at equal passes ({iwae['passes']}): its test NLL is "
                            f"lower by {gain:.2f} +- {se:.2f} nats, as in the paper; each pass cost {cost:.1f}x the "
                            f"VAE's time.")
            continue
        curve = iwae["curve"].get("test_nll_small_k") or [-value for value in iwae["curve"]["test_elbo"]]
        still_falling = curve[-2] - curve[-1] if len(curve) >= 2 else math.nan
        verdicts.append(f"{iwae['name']} does not beat {vae['name']} beyond the noise after {iwae['passes']} passes "
                        f"(difference {-gain:+.2f} +- {se:.2f} nats). Measured: each IWAE pass cost {cost:.1f}x the "
                        f"VAE's time, and its curve still fell {still_falling:.2f} nats over the last pass, so neither "
                        f"model has converged; the paper's gap is measured after {BURDA_2016_TABLE1['passes']} passes.")
    return "\n".join(verdicts) if verdicts else "no IWAE-VAE pair in this results file"


def speed_table(speed: dict, target: float = 0.4) -> str:
    """The FLOP-rate lines of a results file's ``speed`` entry: each timed step's GFLOP/s beside the matmul peak
    and which steps reach ``target``; under each step, the comparisons measured with it (the same ``fit`` on
    images binarized beforehand, a bare PyTorch loop, the step's matrix products alone)."""
    lines = [f"fit() training step of 784-200-200-50 (CPU, {speed['threads']} thread(s)) against the fp32 matmul peak "
             f"{speed['matmul_peak_gflops']:.1f} GFLOP/s (square {speed['matmul_size']} products), "
             f"best of {speed['rounds']} alternating rounds:"]
    comparisons = (("prebinarized_", "fit on images binarized beforehand"), ("bare_", "bare PyTorch loop, same images"),
                   ("matmuls_only_", "the step's matrix products alone"))
    for step in speed["steps"]:
        verdict = "PASS" if step["fraction_of_peak"] >= target else "below"
        lines.append(f"  {step['setting']:<9} batch {step['batch']:>3}: {step['ms_per_step']:6.2f} ms/step "
                     f"{step['gflops']:6.1f} GFLOP/s = {step['fraction_of_peak']:5.1%} of peak {verdict}")
        for prefix, label in comparisons:
            if f"{prefix}ms_per_step" in step:
                lines.append(f"      {label:<36} {step[f'{prefix}ms_per_step']:6.2f} ms/step "
                             f"= {step[f'{prefix}fraction_of_peak']:5.1%} of peak")
    passed = [f"{step['setting']} batch {step['batch']}" for step in speed["steps"] if step["fraction_of_peak"] >= target]
    lines.append(f"target >= {target:.0%} of peak: met by {', '.join(passed) if passed else 'none'}")
    return "\n".join(lines)
