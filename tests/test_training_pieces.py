"""The named pieces fit's loop calls: losses, schedules, batches and the seeded random state, each on its own."""

import pytest
import torch

from vaecourse.core.bounds import ElboTerms, iwae_bound
from vaecourse.models.vae import VAEOutput
from vaecourse.training.batches import shuffled_batches
from vaecourse.training.objectives import (
    TrainingDivergedError,
    elbo_loss,
    finite_loss,
    free_bits_loss,
    iwae_loss,
    training_loss,
)
from vaecourse.training.schedules import iwae_lr_factor, kl_weight_schedule, lr_scheduler
from vaecourse.training.seeding import seeded_run

torch.set_num_threads(1)


def output(seed=0, b=5, d=3, samples=4):
    g = torch.Generator().manual_seed(seed)
    kl_per_dim = torch.rand(b, d, generator=g)  # (B, D)
    terms = ElboTerms(reconstruction=-10 * torch.rand(b, generator=g), kl=kl_per_dim.sum(-1))
    return VAEOutput(terms=terms, mu=torch.zeros(b, d), logvar=torch.zeros(b, d), kl_per_dim=kl_per_dim,
                     log_weights=torch.randn(b, samples, generator=g))


def test_each_loss_is_its_formula():
    out = output()
    rec, kl = out.terms.reconstruction, out.terms.kl
    torch.testing.assert_close(elbo_loss(out, 1.0), -out.terms.elbo.mean())
    torch.testing.assert_close(elbo_loss(out, 0.25), -(rec - 0.25 * kl).mean())
    floored = out.kl_per_dim.mean(0).clamp(min=0.6)  # some dimensions below the floor, some above
    assert bool((out.kl_per_dim.mean(0) < 0.6).any())
    torch.testing.assert_close(free_bits_loss(out, 0.5, 0.6), -rec.mean() + 0.5 * floored.sum())
    torch.testing.assert_close(free_bits_loss(out, 1.0, 0.0), elbo_loss(out, 1.0))  # no floor: the ELBO
    torch.testing.assert_close(iwae_loss(out), -iwae_bound(out.log_weights).mean())


def test_the_loss_is_chosen_by_name():
    out = output(1)
    assert training_loss("iwae") is iwae_loss and training_loss("elbo") is elbo_loss
    torch.testing.assert_close(training_loss("elbo", free_bits=0.6)(out, 0.5), free_bits_loss(out, 0.5, 0.6))


def test_a_diverged_loss_names_its_step_and_epoch():
    assert finite_loss(torch.tensor(2.5), 0, 1, None) == 2.5
    with pytest.raises(TrainingDivergedError, match=r"step 7 \(epoch 2\): the loss is nan"):
        finite_loss(torch.tensor(float("nan")), 7, 2, None)


def test_schedules():
    weight = kl_weight_schedule(0.5, 10)
    assert [weight(t) for t in (0, 5, 10, 50)] == [0.0, 0.25, 0.5, 0.5]
    assert kl_weight_schedule(0.5, 10, lambda t: 3.0)(4) == 3.0  # a given schedule replaces beta and warm-up
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=1.0)
    assert lr_scheduler(optimizer, "constant", 10, 3) is None
    cosine = lr_scheduler(optimizer, "cosine", 10, 3)
    assert [cosine.lr_lambdas[0](t) for t in (0, 15, 30, 40)] == [1.0, pytest.approx(0.5), 0.0, 0.0]
    stepped = lr_scheduler(torch.optim.SGD([parameter], lr=1.0), "iwae-paper", 10, 3)
    assert stepped.lr_lambdas[0](9) == 1.0 and stepped.lr_lambdas[0](10) == iwae_lr_factor(1) == 10 ** (-1 / 7)


def test_an_epoch_of_batches_holds_every_example_once_and_dynamic_draws_are_binary():
    x, y = torch.rand(23, 4, generator=torch.Generator().manual_seed(0)), torch.arange(23)
    seen = [yb for _, yb in shuffled_batches((x, y), 5, torch.Generator().manual_seed(1))]
    assert [len(b) for b in seen] == [5, 5, 5, 5, 3] and sorted(torch.cat(seen).tolist()) == list(range(23))
    binary = list(shuffled_batches((x, None), 5, torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)))
    assert all(yb is None and set(xb.unique().tolist()) <= {0.0, 1.0} for xb, yb in binary)
    again = list(shuffled_batches((x, None), 5, torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(binary, again))


def test_a_seeded_run_leaves_the_callers_random_state_as_it_was():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with seeded_run(0, torch.device("cpu"), dynamic_binarization=True) as rng:
        inside = torch.rand(3)
        assert rng.binarizer is not None and rng.shuffle.initial_seed() == 0
    assert torch.equal(torch.rand(3), expected)
    with seeded_run(0, torch.device("cpu")) as rng:
        assert torch.equal(torch.rand(3), inside) and rng.binarizer is None  # the run's draws repeat
