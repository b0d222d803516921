"""Training as in Burda et al. (2016): dynamic binarization, the stepwise learning rate, Adam's epsilon and the named recipe."""

import math

import pytest
import torch

from vaecourse.data import TEST_BINARIZATION_SEED, sample_binarized
from vaecourse.training.diagnostics import evaluate
from vaecourse.studies.iwae_reproduction import BURDA_2016_TABLE1
from vaecourse.models.vae import VAE, VAEConfig
from vaecourse.training.recipes import iwae_paper_recipe
from vaecourse.training.loop import LR_SCHEDULES, TrainConfig, fit, iwae_lr_factor
from vaecourse.training.cli import LR_SCHEDULES as CLI_LR_SCHEDULES

torch.set_num_threads(1)


class RecordingVAE(VAE):
    """A VAE that keeps every training batch it is given (to see what fit feeds it)."""

    def forward(self, x, *args, **kwargs):
        if self.training:
            self.batches.append(x.detach().clone())
        return super().forward(x, *args, **kwargs)


def recording_model(data_dim=16, seed=0):
    model = RecordingVAE(VAEConfig(data_dim=data_dim, latent_dim=2, hidden_dims=(8,)), seed=seed)
    model.batches = []
    return model


def grey_images(n=12, data_dim=16, seed=0):
    x = torch.rand(n, data_dim, generator=torch.Generator().manual_seed(seed))  # (n, data_dim) in [0, 1)
    x[:, 0], x[:, 1] = 0.0, 1.0  # two pixels a Bernoulli draw cannot change
    return x


def test_dynamic_binarization_draws_fresh_binary_batches_every_epoch_reproducibly():
    x = grey_images()
    runs = []
    for _ in range(2):
        model = recording_model()
        fit(model, x, epochs=3, batch_size=12, binarize="dynamic", progress=False, device="cpu")
        runs.append(model.batches)
    first, again = runs
    assert len(first) == 3 and all(torch.equal(a, b) for a, b in zip(first, again))  # same seed, same draws
    for batch in first:
        assert set(batch.unique().tolist()) <= {0.0, 1.0}
        assert bool((batch[:, 0] == 0).all() and (batch[:, 1] == 1).all())
    # resampled every epoch: with twelve copies of one image the shuffled order cannot hide a repeated draw
    model = recording_model()
    fit(model, grey_images(n=1).expand(12, 16), epochs=3, batch_size=12, binarize="dynamic", progress=False,
        device="cpu")
    assert not torch.equal(model.batches[0], model.batches[1]) and not torch.equal(model.batches[1], model.batches[2])
    # the draws follow the intensities: their mean over many epochs is close to the mean intensity
    model = recording_model()
    fit(model, x, epochs=40, batch_size=12, binarize="dynamic", progress=False, device="cpu")
    drawn = torch.stack(model.batches)  # (40, 12, 16)
    standard_error = math.sqrt(0.25 / drawn.numel())
    assert abs(drawn.mean().item() - x.mean().item()) < 4 * standard_error


def test_other_seed_draws_other_pixels_and_static_training_sees_the_data_as_given():
    x = grey_images()
    draws = []
    for seed in (0, 1):
        model = recording_model()
        fit(model, x, epochs=1, batch_size=12, seed=seed, binarize="dynamic", progress=False, device="cpu")
        draws.append(model.batches[0].sort(dim=0).values)
    assert not torch.equal(*draws)
    binary = (x > 0.5).float()
    model = recording_model()
    fit(model, binary, epochs=1, batch_size=12, progress=False, device="cpu")
    assert torch.equal(model.batches[0].sort(dim=0).values, binary.sort(dim=0).values)


def test_the_test_elbo_is_scored_on_one_fixed_binary_draw_of_the_test_set():
    x, x_test = grey_images(seed=0), grey_images(n=6, seed=1)
    model = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(8,)), seed=0)
    history = fit(model, x, x_test, epochs=2, batch_size=6, seed=3, binarize="dynamic", progress=False, device="cpu")
    fixed_draw = sample_binarized(x_test, seed=TEST_BINARIZATION_SEED)
    assert history.test_elbo[-1] == evaluate(model, fixed_draw, seed=3).elbo
    # binary test data are their own draw: passing the draw itself gives the same history
    again = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(8,)), seed=0)
    assert fit(again, x, fixed_draw, epochs=2, batch_size=6, seed=3, binarize="dynamic", progress=False,
               device="cpu").test_elbo == history.test_elbo


def test_sample_binarized_checks_its_input():
    assert torch.equal(sample_binarized(torch.tensor([[0.0, 1.0]]), seed=5), torch.tensor([[0.0, 1.0]]))
    assert sample_binarized(torch.zeros(0, 3), seed=0).shape == (0, 3)
    with pytest.raises(ValueError, match=r"x \(shape \(2,\)\) must hold intensities in \[0, 1\].*from 0 to 2"):
        sample_binarized(torch.tensor([0.0, 2.0]), seed=0)
    with pytest.raises(ValueError, match="intensities in"):
        sample_binarized(torch.tensor([float("nan"), 0.5]), seed=0)


def test_dynamic_binarization_is_refused_where_it_makes_no_sense():
    with pytest.raises(ValueError, match="binarize must be 'none' or 'dynamic', got 'static'"):
        TrainConfig(binarize="static")
    gaussian = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(8,), likelihood="gaussian"), seed=0)
    with pytest.raises(ValueError, match="Bernoulli decoder; this model's likelihood is 'gaussian'"):
        fit(gaussian, grey_images(), epochs=1, binarize="dynamic", progress=False, device="cpu")
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\] for a Bernoulli decoder"):
        fit(recording_model(), 2 * grey_images(), epochs=1, binarize="dynamic", progress=False, device="cpu")


def test_the_paper_learning_rate_schedule():
    factors = [iwae_lr_factor(epoch) for epoch in range(BURDA_2016_TABLE1["passes"] + 5)]
    stages = []  # lengths of the runs of equal factors
    for previous, factor in zip([None, *factors], factors):
        if factor == previous:
            stages[-1] += 1
        else:
            stages.append(1)
    assert stages[:7] == [3**i for i in range(7)] and stages[7] == 3**7 + 5  # the last factor is kept afterwards
    assert sum(3**i for i in range(8)) == BURDA_2016_TABLE1["passes"] == 3280
    assert factors[0] == 1.0 and factors[1] == factors[3] == 10 ** (-1 / 7) and factors[4] == 10 ** (-2 / 7)
    assert factors[3279] == factors[3280] == pytest.approx(0.1, rel=1e-12)
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        iwae_lr_factor(-1)


def test_fit_follows_the_schedule_and_uses_the_given_adam_epsilon():
    x = (grey_images() > 0.5).float()
    for epochs, factor in ((1, 10 ** (-1 / 7)), (4, 10 ** (-2 / 7))):  # the rate set for the next epoch
        model = recording_model()
        history = fit(model, x, epochs=epochs, batch_size=4, lr=1e-3, lr_schedule="iwae-paper", adam_eps=1e-4,
                      progress=False, device="cpu")
        group = history.optimizer.param_groups[0]
        assert group["lr"] == pytest.approx(1e-3 * factor, rel=1e-12) and group["eps"] == 1e-4
    assert fit(recording_model(), x, epochs=1, progress=False, device="cpu").optimizer.param_groups[0]["eps"] == 1e-8
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        TrainConfig(lr_schedule="step")
    with pytest.raises(TypeError, match="adam_eps must be a real number >= 0"):
        TrainConfig(adam_eps="small")
    assert CLI_LR_SCHEDULES == LR_SCHEDULES  # the command line offers what fit accepts


def test_the_iwae_paper_recipe_is_the_papers_setting():
    model_config, train_config = iwae_paper_recipe()
    model = VAE(model_config, seed=0)
    widths = lambda net: [(m.in_features, m.out_features) for m in net if isinstance(m, torch.nn.Linear)]  # noqa: E731
    assert widths(model.encoder) == [(784, 200), (200, 200), (200, 100)]  # mean and log-variance of 50 latents
    assert widths(model.decoder) == [(50, 200), (200, 200), (200, 784)]
    assert all(not isinstance(m, torch.nn.ReLU) for m in model.modules())
    assert sum(isinstance(m, torch.nn.Tanh) for m in model.modules()) == 4
    assert model_config.likelihood == "bernoulli" and model_config.prior == "standard"
    assert (train_config.batch_size, train_config.lr, train_config.adam_eps) == (20, 1e-3, 1e-4)
    assert train_config.epochs == BURDA_2016_TABLE1["passes"] and train_config.lr_schedule == "iwae-paper"
    assert (train_config.objective, train_config.num_samples, train_config.binarize) == ("iwae", 5, "dynamic")
    vae_config = iwae_paper_recipe("elbo", 1)[1]
    assert (vae_config.objective, vae_config.num_samples) == ("elbo", 1)
    with pytest.raises(ValueError, match="objective must be 'elbo' or 'iwae'"):
        iwae_paper_recipe("vae")


def test_the_recipe_trains_on_small_images():
    model_config, train_config = iwae_paper_recipe("iwae", 3, data_dim=16)
    model = VAE(model_config, seed=0)
    history = fit(model, grey_images(n=40), grey_images(n=10, seed=2), train_config, epochs=2, progress=False,
                  device="cpu")
    assert history.epoch == [1, 2] and math.isfinite(history.test_elbo[-1])
