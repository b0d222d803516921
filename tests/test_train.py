"""Tests of vaecourse.training.loop and vaecourse.training.checkpoint: reproducibility, schedules, free bits, NaN guard, checkpoints."""

import math

import pytest
import torch

from vaecourse.training import load_checkpoint, save_checkpoint
from vaecourse.data import load_digits
from vaecourse.models import ConditionalVAE, ConditionalVAEConfig
from vaecourse.models import VAE, VAEConfig
from vaecourse.training import digits_recipe
from vaecourse.training.loop import (
    History,
    TrainConfig,
    TrainingDivergedError,
    cyclical_kl_weight,
    fit,
    kl_annealing_weight,
    resolve_device,
)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.x_train[:300], data.x_test[:100]


def small_model(seed=0, **changes):
    return VAE(VAEConfig(**{"latent_dim": 3, "hidden_dims": (32,), **changes}), seed=seed)


def run(digits, seed=0, model_seed=0, **hyper):
    model = small_model(model_seed)
    history = fit(model, digits[0], digits[1], epochs=hyper.pop("epochs", 3), batch_size=50, seed=seed,
                  progress=False, **hyper)
    return model, history


def test_same_seed_gives_identical_numbers_and_weights(digits):
    model_a, history_a = run(digits)
    model_b, history_b = run(digits)
    assert history_a == history_b  # every recorded float, exactly
    for p, q in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(p, q)
    _, history_c = run(digits, seed=1)
    assert history_c.train_elbo != history_a.train_elbo


def test_evaluation_and_callbacks_do_not_change_the_training_run(digits):
    seen = []

    def noisy_callback(epoch, model, history):
        torch.randn(100)  # random draws inside the callback must not shift the training noise
        seen.append((epoch, len(history), model.training, torch.is_grad_enabled()))

    model_a = small_model()
    history_a = fit(model_a, digits[0], epochs=3, batch_size=50, progress=False, callback=noisy_callback)
    model_b = small_model()
    history_b = fit(model_b, digits[0], digits[1], epochs=3, batch_size=50, progress=False)
    assert history_a.train_elbo == history_b.train_elbo and history_a.test_elbo == []
    assert seen == [(0, 0, False, False), (1, 1, False, False), (2, 2, False, False), (3, 3, False, False)]


def test_fit_leaves_the_global_rng_untouched(digits):
    torch.manual_seed(7)
    expected = torch.randn(3)
    torch.manual_seed(7)
    run(digits, epochs=1)
    assert torch.equal(torch.randn(3), expected)


def test_history_records_the_true_elbo_and_the_weighted_loss(digits):
    _, history = run(digits, beta=0.5)
    assert len(history) == 3 and history.epoch == [1, 2, 3] and history.step == [6, 12, 18]
    for rec, kl, elbo, loss in zip(history.train_reconstruction, history.train_kl, history.train_elbo,
                                   history.train_loss):
        assert elbo == pytest.approx(rec - kl, abs=1e-5)
        assert loss == pytest.approx(-(rec - 0.5 * kl), abs=1e-4)
    for dims, kl in zip(history.test_kl_per_dim, history.test_kl):
        assert len(dims) == 3 and sum(dims) == pytest.approx(kl, rel=1e-5)
    assert history.kl_weight == [0.5] * 3 and history.last()["epoch"] == 3
    assert History.from_dict(history.to_dict()) == history


def test_train_kl_per_dim_is_exact_for_a_gaussian_prior_and_estimated_once_an_epoch_for_a_mixture(digits):
    # A Gaussian prior's per-dimension KL comes with the closed-form KL of every step: the sum is the KL.
    _, history = run(digits, epochs=2)
    for dims, kl in zip(history.train_kl_per_dim, history.train_kl):
        assert len(dims) == 3 and sum(dims) == pytest.approx(kl, rel=1e-5)
    # A mixture prior's is a Monte Carlo estimate made from the epoch's stored posteriors and samples.
    mixture = small_model(prior="mixture", prior_components=4)
    history = fit(mixture, digits[0], epochs=2, batch_size=50, progress=False)
    assert [len(dims) for dims in history.train_kl_per_dim] == [3, 3]
    assert all(math.isfinite(value) for dims in history.train_kl_per_dim for value in dims)
    assert history.train_kl_per_dim[0] != history.train_kl_per_dim[1]


def test_kl_annealing_schedules():
    assert [kl_annealing_weight(t, 4) for t in (0, 1, 2, 4, 9)] == [0.0, 0.25, 0.5, 1.0, 1.0]
    assert kl_annealing_weight(0, 0) == 1.0
    assert [cyclical_kl_weight(t, 4, 0.5) for t in range(9)] == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError):
        kl_annealing_weight(-1, 10)


def test_warmup_weights_follow_the_schedule(digits):
    _, history = run(digits, warmup_steps=12, beta=2.0)  # 6 steps per epoch
    assert history.kl_weight == pytest.approx([2.0 * 5 / 12, 2.0 * 11 / 12, 2.0])  # weight of each epoch's last step
    _, custom = run(digits, kl_schedule=lambda t: 0.25, epochs=1)
    assert custom.kl_weight == [0.25]


def test_free_bits_floor_the_batch_mean_kl_of_every_dimension(digits):
    # A floor far above any KL: the KL term is a constant D * lambda, so the loss is -rec + 3 * 50.
    _, history = run(digits, free_bits=50.0, epochs=1)
    assert history.train_loss[0] == pytest.approx(-history.train_reconstruction[0] + 150.0, abs=1e-3)


def test_divergence_is_reported_with_step_and_causes(digits):
    with pytest.raises(TrainingDivergedError, match=r"at step \d+ \(epoch 1\).*learning rate is too high"):
        run(digits, lr=1e3)
    model = small_model()
    with torch.no_grad():
        model.encoder[0].weight[0, 0] = float("nan")
    with pytest.raises(TrainingDivergedError, match=r"at step 0 \(epoch 1\)"):
        fit(model, digits[0], epochs=1, progress=False)


def test_bad_data_and_arguments_fail_before_training(digits):
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\] for a Bernoulli decoder"):
        fit(small_model(), digits[0] * 3, epochs=1, progress=False)
    with pytest.raises(ValueError, match="NaN or inf"):
        fit(small_model(), torch.full((10, 64), math.nan), epochs=1, progress=False)
    with pytest.raises(TypeError, match="unknown hyperparameter"):
        fit(small_model(), digits[0], epoch=1)
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="linear")
    conditional = ConditionalVAE(ConditionalVAEConfig(latent_dim=2, hidden_dims=(16,)), seed=0)
    with pytest.raises(ValueError, match="needs labels"):
        fit(conditional, digits[0], epochs=1, progress=False)
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_conditional_vae_trains_on_labelled_digits_and_cosine_schedule_ends_at_zero():
    data = load_digits()
    model = ConditionalVAE(ConditionalVAEConfig(latent_dim=2, hidden_dims=(32,), learned_prior=True), seed=0)
    history = fit(model, data, epochs=4, lr_schedule="cosine", progress=False)
    assert history.test_elbo[-1] > history.test_elbo[0]
    assert history.optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_progress_bar_runs(digits, capsys):
    fit(small_model(), digits[0], epochs=1, batch_size=50, progress=True)
    assert "step" in capsys.readouterr().err


def test_checkpoint_round_trips_exactly_and_training_continues_identically(digits, tmp_path):
    model, history = run(digits, epochs=2)
    path = save_checkpoint(tmp_path / "run" / "ckpt.pt", model, history=history)
    ckpt = load_checkpoint(path)
    assert type(ckpt.model) is VAE and ckpt.model.config == model.config
    for (name, p), (_, q) in zip(model.state_dict().items(), ckpt.model.state_dict().items()):
        assert torch.equal(p, q), name
    assert ckpt.history == history and ckpt.train_config == history.config
    saved, restored = history.optimizer.state_dict(), ckpt.optimizer.state_dict()
    assert saved["param_groups"] == restored["param_groups"]
    for key in saved["state"]:
        for field in saved["state"][key]:
            assert torch.equal(saved["state"][key][field], restored["state"][key][field])
    # one more epoch from the original and from the restored copy: the same numbers
    more_a = fit(model, digits[0], epochs=1, batch_size=50, seed=5, progress=False, optimizer=history.optimizer)
    more_b = fit(ckpt.model, digits[0], epochs=1, batch_size=50, seed=5, progress=False, optimizer=ckpt.optimizer)
    assert more_a.train_elbo == more_b.train_elbo
    for p, q in zip(model.parameters(), ckpt.model.parameters()):
        assert torch.equal(p, q)


def test_checkpoint_of_a_conditional_model_and_bad_files(tmp_path):
    model = ConditionalVAE(ConditionalVAEConfig(latent_dim=2, hidden_dims=(8,), learned_prior=True), seed=3)
    ckpt = load_checkpoint(save_checkpoint(tmp_path / "c.pt", model))
    assert isinstance(ckpt.model, ConditionalVAE) and ckpt.optimizer is None and ckpt.history is None
    assert torch.equal(ckpt.model.prior_table.weight, model.prior_table.weight)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable vaecourse checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a vaecourse checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_iwae_objective_bounds_the_elbo_from_above(digits):
    model = small_model(prior="mixture", prior_components=3)
    history = fit(model, digits[0], epochs=2, batch_size=50, objective="iwae", num_samples=4, progress=False)
    # per batch, log mean exp of the log-weights >= their mean (Jensen), and that mean is the ELBO estimate
    for loss, elbo in zip(history.train_loss, history.train_elbo):
        assert -loss >= elbo - 1e-4
    with pytest.raises(ValueError, match="no separate KL term"):
        TrainConfig(objective="iwae", beta=0.5)
    with pytest.raises(ValueError, match="mixture prior"):
        fit(small_model(prior="mixture"), digits[0], epochs=1, free_bits=0.1, progress=False)


def test_the_digits_recipe_is_valid_and_runs():
    model_config, train_config = digits_recipe()
    assert model_config.data_dim == 64 and train_config.objective == "iwae"
    data = load_digits()
    history = fit(VAE(model_config, seed=0), data.x_train[:200], data.x_test[:50], train_config, epochs=1,
                  progress=False)
    assert len(history) == 1 and history.test_elbo[0] < 0
