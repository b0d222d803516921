"""The reproduction script's parts apart from the timings' values: its FLOP count, the speed measurement's
structure, its results file and its error messages."""

import gzip
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from vaecourse.studies.iwae_reproduction import NO_PAPER_FIGURE, comparison_table, load_results, speed_table
from vaecourse.models.vae import VAE
from vaecourse.training.recipes import iwae_paper_recipe

torch.set_num_threads(1)

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
spec = importlib.util.spec_from_file_location("reproduce_iwae", BENCHMARKS / "reproduce_iwae.py")
reproduce = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reproduce)


def test_step_flops_count_the_decoder_once_per_sample():
    vae = VAE(iwae_paper_recipe("elbo", 1)[0], seed=0)
    encoder = 2 * 20 * (784 * 200 + 200 * 200 + 200 * 100)  # forward flops of a batch of 20
    decoder = 2 * 20 * (50 * 200 + 200 * 200 + 200 * 784)
    assert reproduce.training_step_flops(vae, 20) == 3 * (encoder + decoder) - 2 * 20 * 784 * 200
    assert reproduce.training_step_flops(vae, 20) == reproduce.bench_fit.step_flops(vae, 20)  # the same rule
    assert reproduce.training_step_flops(vae, 20, 5) == 3 * (encoder + 5 * decoder) - 2 * 20 * 784 * 200


@pytest.mark.parametrize("batch, k", [(20, 1), (3, 5)])
def test_the_counted_flops_are_what_a_real_step_and_the_matmul_ceiling_multiply(batch, k):
    from torch.utils.flop_counter import FlopCounterMode

    model_config, _ = iwae_paper_recipe("iwae", k)
    vae = VAE(model_config, seed=0)
    x = torch.bernoulli(torch.full((batch, 784), 0.3), generator=torch.Generator().manual_seed(0))
    with FlopCounterMode(display=False) as real:  # an autograd step: forward and backward through the model
        vae(x, num_samples=k, log_weights=True).log_weights.logsumexp(0).sum().neg().backward()
    matmuls = reproduce.step_matmuls(vae, batch, k)
    with FlopCounterMode(display=False) as ceiling:
        matmuls()
    assert real.get_total_flops() == ceiling.get_total_flops() == reproduce.training_step_flops(vae, batch, k)


def test_the_speed_measurement_times_every_step_and_its_comparisons():
    speed = reproduce.flop_rates(quick=True, images=40, rounds=1, matmul_size=128)
    assert speed["rounds"] == 1 and speed["matmul_size"] == 128 and speed["matmul_peak_gflops"] > 0
    assert [(step["setting"], step["batch"]) for step in speed["steps"]] == [
        ("VAE k=1", 20), ("IWAE k=5", 20), ("IWAE k=50", 20), ("VAE k=1", 128), ("IWAE k=5", 128)]
    for step in speed["steps"]:
        assert step["ms_per_step"] > 0 and step["matmuls_only_ms_per_step"] > 0  # timed; no speed is asserted
        assert step["gflops"] / speed["matmul_peak_gflops"] == pytest.approx(step["fraction_of_peak"])
        for prefix in ("prebinarized_", "bare_"):
            assert (f"{prefix}ms_per_step" in step) == (step["setting"] == "VAE k=1")
    assert speed_table(speed).splitlines()[-1].startswith("target >= 40% of peak: met by ")


def test_cuda_runs_the_papers_long_version_and_a_cpu_a_stated_short_one():
    assert reproduce.default_plan(cuda=True) == {"settings": ["vae-k1", "iwae-k5", "iwae-k50"], "passes": 3280,
                                                 "eval_images": 10000}
    assert reproduce.default_plan(cuda=False) == {"settings": ["vae-k1", "iwae-k5"], "passes": reproduce.CPU_PASSES,
                                                  "eval_images": 1000}
    assert reproduce.BURDA_2016_TABLE1["passes"] == 3280


def write_idx_folder(folder: Path, n_train=40, n_test=12, shape=(6, 5)):
    generator = torch.Generator().manual_seed(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, *shape), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=generator, dtype=torch.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 8, array.dim()]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
            (folder / f"{split}-{kind}-ubyte.gz").write_bytes(gzip.compress(header + bytes(array.flatten().tolist())))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist")
    write_idx_folder(folder)
    out = folder / "results" / "iwae_mnist.json"
    code = reproduce.main(["--data-dir", str(folder), "--dataset", "mnist", "--passes", "2", "--settings", "vae-k1",
                           "iwae-k5", "--eval-k", "30", "--eval-images", "8", "--curve-k", "4", "--chunk-size", "7",
                           "--skip-speed", "--threads", "1", "--device", "cpu", "--out", str(out)])
    return code, out


def test_the_script_writes_a_results_file_the_book_can_read(tiny_run, capsys):
    code, out = tiny_run
    assert code == 0
    results = load_results(out)
    assert [run["name"] for run in results["runs"]] == ["VAE k=1", "IWAE k=5"]
    assert results["passes"] == 2 and results["evaluation"]["k"] == 30 and results["evaluation"]["images"] == 8
    assert results["train_images"] == 40 and results["hardware"]["device"] == "cpu"
    assert results["evaluation"]["peak_memory_mib"] > 0
    for run in results["runs"]:
        assert run["curve"]["pass"] == [1, 2] and len(run["curve"]["test_nll_small_k"]) == 2
        assert run["test_nll"] > 0 and run["seconds_per_pass"] > 0
    (difference,) = results["differences"]
    assert (difference["a"], difference["b"]) == ("IWAE k=5", "VAE k=1")
    nll = {run["name"]: run["test_nll"] for run in results["runs"]}
    assert difference["mean"] == pytest.approx(nll["IWAE k=5"] - nll["VAE k=1"], abs=1e-4)
    table = comparison_table(results)
    assert "86.76" in table and "85.54" in table and NO_PAPER_FIGURE not in table  # MNIST: the paper's figures
    curves = out.with_name("iwae_mnist_curves.csv").read_text().splitlines()
    assert curves[0] == "setting,pass,seconds,train_elbo,test_elbo,test_nll_k4" and len(curves) == 5


def test_the_same_command_gives_the_same_numbers(tiny_run, tmp_path):
    _, out = tiny_run
    first = json.loads(out.read_text())
    folder = out.parent.parent
    again = tmp_path / "again.json"
    assert reproduce.main(["--data-dir", str(folder), "--dataset", "mnist", "--passes", "2", "--settings", "vae-k1",
                           "iwae-k5", "--eval-k", "30", "--eval-images", "8", "--curve-k", "4", "--chunk-size", "7",
                           "--skip-speed", "--threads", "1", "--device", "cpu", "--out", str(again)]) == 0
    second = json.loads(again.read_text())
    for a, b in zip(first["runs"], second["runs"]):
        assert a["test_nll"] == b["test_nll"] and a["curve"]["train_elbo"] == b["curve"]["train_elbo"]


@pytest.mark.parametrize("extra, message", [
    (["--data-dir", "/nonexistent/mnist"], "no IDX data in /nonexistent/mnist"),
    (["--settings", "gan-k3"], "a setting is METHOD-kK"),
])
def test_errors_are_one_clear_line_not_a_traceback(tiny_run, capsys, extra, message):
    folder = tiny_run[1].parent.parent
    assert reproduce.main(["--data-dir", str(folder), "--skip-speed", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_corrupt_idx_file_is_named(tmp_path, capsys):
    write_idx_folder(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + bytes(10)))
    assert reproduce.main(["--data-dir", str(tmp_path), "--skip-speed"]) == 2
    err = capsys.readouterr().err
    assert "t10k-images-idx3-ubyte.gz is truncated" in err and "Traceback" not in err


def test_the_script_writes_each_models_pictures_beside_its_results(tiny_run):
    from PIL import Image

    _, out = tiny_run
    results = load_results(out)
    for run in results["runs"]:
        stem = f"iwae_mnist_{run['method'].lower()}-k{run['k']}"
        assert [entry["kind"] for entry in run["images"]] == ["samples", "reconstructions", "traversal"]
        for entry in run["images"]:
            assert entry["file"] == f"{stem}_{entry['kind']}.png" and entry["shows"]
            with Image.open(out.parent / entry["file"]) as image:  # a valid PNG: 8-bit grey, the recorded size
                image.verify()
            with Image.open(out.parent / entry["file"]) as image:
                assert image.format == "PNG" and image.mode == "L"
                assert [image.height, image.width] == entry["shape"]
        shapes = {entry["kind"]: tuple(entry["shape"]) for entry in run["images"]}
        # the test images are 6 x 5: 8 x 8 samples, 3 pairs of rows of 4 (12 test images // 3), a 9 x 9 traversal
        assert shapes == {"samples": (8 * 7 - 1, 8 * 6 - 1), "reconstructions": (6 * 7 - 1 + 2, 4 * 6 - 1),
                          "traversal": (9 * 7 - 1, 9 * 6 - 1)}
        traversal = run["images"][2]
        assert len(set(traversal["dimensions"])) == 2 and traversal["offsets"][0] == -traversal["offsets"][-1]


def test_images_only_retrains_the_recorded_runs_and_draws_the_same_pictures(tiny_run, tmp_path):
    import shutil

    _, out = tiny_run
    copy = tmp_path / out.name
    shutil.copy(out, copy)
    results = json.loads(copy.read_text())
    for run in results["runs"]:
        del run["images"]
    copy.write_text(json.dumps(results))
    folder = out.parent.parent
    command = ["--images-only", "--data-dir", str(folder), "--dataset", "mnist", "--threads", "1", "--device", "cpu",
               "--out", str(copy)]
    assert reproduce.main([*command, "--settings", "iwae-k5"]) == 0  # one run: only its pictures are listed
    assert [("images" in run) for run in load_results(copy)["runs"]] == [False, True]
    assert reproduce.main([*command, "--settings", "vae-k1"]) == 0  # the other, later: both lists stay
    again = load_results(copy)
    assert again["runs"][0]["images_made"]["command"].endswith(f"--out {copy} --settings vae-k1")
    assert {k: v for k, v in again.items() if k != "runs"} == {k: v for k, v in results.items() if k != "runs"}
    for before, after in zip(load_results(out)["runs"], again["runs"]):
        assert after.pop("images_made")["retrain_seconds"] > 0
        assert after == before  # the record is unchanged, and the pictures' list is the full run's
        for entry in after["images"]:  # seeded: the same bytes
            assert (tmp_path / entry["file"]).read_bytes() == (out.parent / entry["file"]).read_bytes()


def test_images_only_refuses_a_model_that_is_not_the_recorded_one(tiny_run, tmp_path, capsys):
    import shutil

    _, out = tiny_run
    copy = tmp_path / out.name
    shutil.copy(out, copy)
    results = json.loads(copy.read_text())
    results["runs"][0]["test_elbo"] += 1.0
    copy.write_text(json.dumps(results))
    assert reproduce.main(["--images-only", "--data-dir", str(out.parent.parent), "--dataset", "mnist",
                           "--threads", "1", "--device", "cpu", "--out", str(copy)]) == 1
    assert "not the same model" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png")) and "pictures" not in json.loads(copy.read_text())
