"""Smoke tests of ``python -m vaecourse train``: digits, IDX folders, and clear errors without tracebacks."""

import contextlib
import gzip
import io
import json
import subprocess
import sys

import pytest
import torch

from vaecourse.__main__ import main
from vaecourse.training import load_checkpoint

TINY = ["--epochs", "2", "--hidden", "16", "--latent-dim", "2", "--k", "20", "--no-progress", "--threads", "1"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["train", "--dataset", "digits", "--out", str(out), "--seed", "3", *TINY])
    return code, printed.getvalue(), out


def test_train_on_digits_prints_a_summary_and_saves_every_file(digits_run):
    code, printed, out = digits_run
    assert code == 0
    assert "digits (binarized)" in printed and "test ELBO (beta=1, 359 images)" in printed
    assert "test NLL (k=20, 359 images)" in printed and "active units:" in printed
    assert "±" not in printed  # every test image was used: no subset, no standard error
    for name in ("checkpoint.pt", "history.json", "samples.png", "reconstructions.png", "latent_space.png",
                 "curves.png"):
        assert (out / name).stat().st_size > 0, name
    record = json.loads((out / "history.json").read_text())
    assert record["epoch"] == [1, 2] and record["summary"]["k"] == 20 and record["summary"]["nll_images"] == 359
    assert record["summary"]["test_nll"] > 0 and 0 <= record["summary"]["active_units"] <= 2
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt.model.config.latent_dim == 2 and ckpt.history.epoch == [1, 2]


def test_the_nll_estimate_is_tighter_than_the_elbo(digits_run):
    summary = json.loads((digits_run[2] / "history.json").read_text())["summary"]
    # the importance-sampled estimate with k = 20 samples is, on average, above the single-sample ELBO
    assert -summary["test_nll"] > summary["test_elbo"]


def test_the_nll_of_a_subset_states_its_cost_and_standard_error(tmp_path):
    out = tmp_path / "run"
    printed = io.StringIO()
    args = [a for a in TINY if a != "--no-progress"]
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["train", "--dataset", "digits", "--out", str(out), "--nll-images", "50", *args]) == 0
    printed = printed.getvalue()
    assert "test NLL: 20 importance samples on 50 of 359 test images (1,000 decoder passes" in printed
    assert "test NLL (k=20, 50 images)" in printed and "(standard error)" in printed
    assert "log p(x), k=20" in err.getvalue() and "50/50" in err.getvalue()  # the estimate's progress bar
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert summary["nll_images"] == 50 and 0 < summary["nll_standard_error"] < 10


def test_bad_nll_sizes_are_refused_by_the_parser(tmp_path, capsys):
    for flag, value in (("--nll-images", "0"), ("--nll-images", "some"), ("--k", "-3")):
        with pytest.raises(SystemExit):
            main(["train", "--out", str(tmp_path / "run"), flag, value])
        assert "expected a positive integer" in capsys.readouterr().err


def write_idx_folder(folder, n_train=40, n_test=10):
    generator = torch.Generator().manual_seed(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, 6, 5), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=generator, dtype=torch.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 8, array.dim()]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
            raw = header + bytes(array.flatten().tolist())
            (folder / f"{split}-{kind}-ubyte.gz").write_bytes(gzip.compress(raw))


def test_train_on_an_idx_folder(tmp_path, capsys):
    write_idx_folder(tmp_path)
    out = tmp_path / "run"
    assert main(["train", "--dataset", "idx", "--data-dir", str(tmp_path), "--out", str(out),
                 "--likelihood", "gaussian", "--prior", "mixture", "--prior-components", "3",
                 "--objective", "iwae", "--num-samples", "2", *TINY]) == 0
    printed = capsys.readouterr().out
    assert "40 train / 10 test images of 6x5" in printed and "mixture prior, iwae objective" in printed
    assert (out / "samples.png").exists()


@pytest.mark.parametrize("extra, message", [
    (["--dataset", "idx"], "--dataset idx needs --data-dir"),
    (["--dataset", "idx", "--data-dir", "/nonexistent/folder"], "IDX data folder not found: /nonexistent/folder"),
    (["--lr", "1e4", "--hidden", "16"], "training diverged at step"),
])
def test_errors_are_one_clear_line_not_a_traceback(tmp_path, capsys, extra, message):
    assert main(["train", "--out", str(tmp_path / "run"), "--epochs", "2", "--no-progress", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_command_is_registered_with_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "vaecourse", "train", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "--warmup-steps" in result.stdout and "--free-bits" in result.stdout


def test_dynamic_binarization_and_the_paper_schedule_from_the_command_line(tmp_path, capsys):
    write_idx_folder(tmp_path)
    out = tmp_path / "run"
    assert main(["train", "--dataset", "idx", "--data-dir", str(tmp_path), "--out", str(out), "--dynamic-binarization",
                 "--lr-schedule", "iwae-paper", "--adam-eps", "1e-4", "--objective", "iwae", "--num-samples", "3",
                 *TINY]) == 0
    assert "(dynamically binarized), 40 train / 10 test images" in capsys.readouterr().out
    config = json.loads((out / "history.json").read_text())["config"]
    assert (config["binarize"], config["lr_schedule"], config["adam_eps"]) == ("dynamic", "iwae-paper", 1e-4)


def corrupt(folder, name, change):
    path = folder / name
    path.write_bytes(gzip.compress(change(gzip.decompress(path.read_bytes()))))
    return path


@pytest.mark.parametrize("name, change, message", [
    ("train-images-idx3-ubyte.gz", lambda raw: b"\x08\x03\x00\x00" + raw[4:],
     "train-images-idx3-ubyte.gz is not an IDX file: expected a header 00 00 <type> <ndim>"),
    ("t10k-images-idx3-ubyte.gz", lambda raw: raw[:-7],
     "t10k-images-idx3-ubyte.gz is truncated: a (10, 6, 5) array of torch.uint8 needs 316 bytes, the file has 309"),
    ("t10k-labels-idx1-ubyte.gz", lambda raw: raw[:3] + b"\x01" + (9).to_bytes(4, "big") + raw[8:-1],
     "t10k-images-idx3-ubyte.gz has 10 images but"),
])
def test_a_corrupt_idx_file_is_one_clear_line_naming_it(tmp_path, capsys, name, change, message):
    write_idx_folder(tmp_path)
    corrupt(tmp_path, name, change)
    assert main(["train", "--dataset", "idx", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
                 *TINY]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_a_missing_idx_file_and_a_gaussian_dynamic_run_are_refused(tmp_path, capsys):
    write_idx_folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    assert main(["train", "--dataset", "idx", "--data-dir", str(tmp_path), *TINY]) == 2
    assert "has no train-labels-idx1-ubyte or train-labels-idx1-ubyte.gz" in capsys.readouterr().err
    assert main(["train", "--dynamic-binarization", "--likelihood", "gaussian", *TINY]) == 2
    assert "--dynamic-binarization draws binary pixels for --likelihood bernoulli" in capsys.readouterr().err
