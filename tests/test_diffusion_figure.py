"""Tests of vaecourse.viz.diffusion_figure: the chain matches the closed-form marginals; the players' frames."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from vaecourse.models.ddpm import NoiseSchedule, linear_schedule  # noqa: E402
from vaecourse.data.toy2d import _mixture_centres, gaussian_mixture, gaussian_mixture_log_density  # noqa: E402
from vaecourse.viz import count_frames  # noqa: E402
from vaecourse.viz.diffusion_figure import (  # noqa: E402
    diffusion_figure,
    forward_chain,
    mixture_marginal_log_density,
    reverse_figure,
)

torch.set_num_threads(1)
F64 = torch.float64


pytestmark = pytest.mark.usefixtures("no_figure_left_open")


def test_chain_run_step_by_step_has_the_closed_form_marginal():
    """x_t | x_0 ~ N(sqrt(abar_t) x_0, (1 - abar_t) I): mean and variance by Monte Carlo within 4 standard errors."""
    schedule = NoiseSchedule(linear_schedule(50).betas.to(F64))
    x0 = torch.tensor([[1.5, -2.0]], dtype=F64).repeat(20_000, 1)
    states = forward_chain(x0, schedule, seed=0)
    assert len(states) == 51 and torch.equal(states[0], x0)
    n = x0.shape[0]
    for t in (1, 10, 25, 50):
        a = schedule.alphas_bar[t - 1]
        xt = states[t]
        mean_se = math.sqrt((1 - a) / n)
        assert bool(((xt.mean(0) - a.sqrt() * x0[0]).abs() < 4 * mean_se).all())
        var_se = (1 - a) * math.sqrt(2 / (n - 1))
        assert bool(((xt.var(0) - (1 - a)).abs() < 4 * var_se).all())


def test_mixture_marginal_is_the_data_density_at_alpha_bar_one_and_a_density_elsewhere():
    centres = _mixture_centres(8, 2.0).to(F64)
    x = gaussian_mixture(50, seed=1).to(F64)
    torch.testing.assert_close(mixture_marginal_log_density(x, 1.0, centres, 0.1), gaussian_mixture_log_density(x))
    grid = torch.linspace(-6, 6, 401, dtype=F64)
    mesh = torch.stack(torch.meshgrid(grid, grid, indexing="xy"), dim=-1)
    cell = (grid[1] - grid[0]) ** 2
    for alpha_bar in (0.9, 0.3, 0.01):
        density = mixture_marginal_log_density(mesh, alpha_bar, centres, 0.1).exp()
        assert float(density.sum() * cell) == pytest.approx(1.0, abs=1e-4)


def test_chain_from_mixture_data_has_the_closed_form_second_moment():
    """E||x_t||^2 under the closed-form marginal (on a grid) equals the chain's sample mean within 4 SE."""
    schedule = linear_schedule(40)
    x0 = gaussian_mixture(20_000, seed=2)
    xt = forward_chain(x0, schedule, seed=3)[12]
    alpha_bar = schedule.alphas_bar[11].item()
    grid = torch.linspace(-6, 6, 401, dtype=F64)
    mesh = torch.stack(torch.meshgrid(grid, grid, indexing="xy"), dim=-1)
    density = mixture_marginal_log_density(mesh, alpha_bar, _mixture_centres(8, 2.0).to(F64), 0.1).exp()
    closed_form = float((density * mesh.pow(2).sum(-1)).sum() * (grid[1] - grid[0]) ** 2)
    assert closed_form == pytest.approx(alpha_bar * (4 + 2 * 0.01) + 2 * (1 - alpha_bar), rel=1e-4)
    squares = xt.pow(2).sum(-1).double()
    assert abs(squares.mean().item() - closed_form) < 4 * squares.std().item() / math.sqrt(squares.numel())


def test_players_have_one_frame_per_step_shown():
    schedule = linear_schedule(20)
    x0 = gaussian_mixture(200, seed=4)
    player = diffusion_figure(x0, schedule, centres=_mixture_centres(8, 2.0), std=0.1, steps_shown=(0, 5, 20),
                              grid_size=20, dpi=30)
    assert len(player) == 3 and [f["t"] for f in player.frames] == [0, 5, 20]
    assert torch.equal(torch.as_tensor(player.frames[1]["points"]), player.data[5])
    assert count_frames(player.to_html()) == 3
    trajectory = forward_chain(x0, schedule)[::-1]  # any T + 1 states stand in for a sampling run
    backwards = reverse_figure(trajectory, schedule, steps_shown=(0, 10, 20), dpi=30)
    assert [f["t"] for f in backwards.frames] == [20, 10, 0]
    assert torch.equal(torch.as_tensor(backwards.frames[-1]["points"]), trajectory[-1])
    assert backwards.figure(0).axes


def test_bad_arguments_are_named():
    schedule = linear_schedule(10)
    x0 = gaussian_mixture(20)
    with pytest.raises(ValueError, match="steps_shown"):
        diffusion_figure(x0, schedule, steps_shown=(0, 11))
    with pytest.raises(ValueError, match="both centres and std"):
        diffusion_figure(x0, schedule, std=0.1)
    with pytest.raises(ValueError, match="T \\+ 1"):
        reverse_figure([x0] * 5, schedule)
    with pytest.raises(ValueError, match="alpha_bar"):
        mixture_marginal_log_density(x0, 0.0, _mixture_centres(8, 2.0), 0.1)
