"""The interactive figures: the static player's frames and controls, the live widget, and the data behind each figure."""

import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from torch.distributions import Normal, kl_divergence  # noqa: E402

from vaecourse import gaussian_kl, pathwise_gradient, score_function_gradient  # noqa: E402
from vaecourse.viz import (  # noqa: E402
    Player,
    count_frames,
    draw_kl_terms,
    elbo_gap_figure,
    elbo_gap_path,
    estimators_figure,
    gradient_spread,
    kl_figure,
    kl_path,
    kl_terms_1d,
)
from vaecourse.viz.elbo_figure import default_model  # noqa: E402
from vaecourse.viz.estimators_figure import square  # noqa: E402

CONTROL_TITLES = ("Decrease speed", "First frame", "Previous frame", "Play backwards", "Pause", "Play",
                  "Next frame", "Last frame", "Increase speed")


pytestmark = pytest.mark.usefixtures("no_figure_left_open")


def draw_line(fig, slope):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, slope])
    ax.set_ylim(-3, 3)


def embedded_frames(html):
    return re.findall(r'frames\[\d+\] = "(data:image/png;base64,[^"]+)"', html)


# ---- the player ---------------------------------------------------------------------------------


def test_static_player_embeds_every_frame_with_all_controls_and_no_network():
    player = Player(draw_line, [{"slope": s} for s in (-2.0, -1.0, 0.0, 1.0, 2.0)], figsize=(2, 1.5), dpi=40)
    html = player._repr_html_()
    assert count_frames(html) == 5 and len(set(embedded_frames(html))) == 5  # five distinct pictures
    assert 'data-frames="5"' in html and "new Array(5)" in html
    for title in CONTROL_TITLES:
        assert f'title="{title}"' in html
    assert 'type="range"' in html and 'value="once"' in html
    assert "http://" not in html and "https://" not in html  # the Font Awesome CDN link is gone
    assert 'class="fa' not in html and html.count("<svg") == len(CONTROL_TITLES)


def test_player_frame_is_the_drawing_function_output():
    player = Player(draw_line, [{"slope": 1.5}, {"slope": -0.5}], figsize=(2, 1.5), dpi=40)
    fig = player.figure(1)
    assert fig.axes[0].lines[0].get_ydata()[1] == -0.5
    assert player.figure(0, slope=2.5).axes[0].lines[0].get_ydata()[1] == 2.5  # an override replaces a frame value
    assert player.png(0).startswith(b"\x89PNG") and player.png(0) != player.png(1)


def test_widget_builds_and_its_sliders_redraw():
    player = Player(draw_line, [{"slope": s} for s in (-1.0, 0.0, 1.0)], figsize=(2, 1.5), dpi=40,
                    controls={"slope": (-3.0, 3.0, 0.5)})
    box = player.widget()
    assert box.slider.max == 2 and box.play.max == 2 and box.image.value == player.png(0)
    box.slider.value = 2
    assert box.image.value == player.png(2) and box.controls["slope"].value == 1.0  # the free slider follows
    box.controls["slope"].value = 2.5
    assert box.image.value == player.png(2, slope=2.5) != player.png(2)


@pytest.mark.parametrize("bad, error", [
    (dict(frames=[]), ValueError),
    (dict(frames=[1.0]), TypeError),
    (dict(frames=[{"slope": 1.0}], figsize=(0, 2)), ValueError),
    (dict(frames=[{"slope": 1.0}], dpi=2), ValueError),
    (dict(frames=[{"slope": 1.0}], controls={"slope": (1.0, -1.0, 0.1)}), ValueError),
])
def test_player_rejects_bad_arguments(bad, error):
    with pytest.raises(error):
        Player(draw_line, **bad)


# ---- figure 1: the KL of a 1-D Gaussian ------------------------------------------------------------


@given(st.floats(-4, 4), st.floats(0.05, 5))
def test_kl_terms_match_torch_distributions(mu, sigma):
    terms, kl = kl_terms_1d(mu, sigma)
    oracle = kl_divergence(Normal(torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)),
                           Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)))
    assert kl == pytest.approx(oracle.item(), rel=1e-9, abs=1e-12)
    assert terms == pytest.approx((mu**2, sigma**2, -math.log(sigma**2), -1.0), rel=1e-12, abs=1e-12)


def test_kl_bars_drawn_are_the_terms_and_the_kl():
    fig = Figure()
    draw_kl_terms(fig, mu=2.0, sigma=0.5)
    heights = [patch.get_height() for patch in fig.axes[1].patches]
    logvar = math.log(0.25)
    kl = gaussian_kl(torch.tensor([2.0]), torch.tensor([logvar])).item()
    assert heights == pytest.approx([4.0, 0.25, -logvar, -1.0, kl], rel=1e-6)


def test_kl_path_passes_through_the_waypoints():
    frames = kl_path(((0.0, 1.0), (2.0, 1.0), (0.0, 0.5)), steps_per_leg=4)
    assert len(frames) == 9 and frames[4] == {"mu": 2.0, "sigma": 1.0} and frames[-1] == {"mu": 0.0, "sigma": 0.5}
    assert kl_terms_1d(**frames[0])[1] == pytest.approx(0.0, abs=1e-12)  # the path starts at the prior


def test_kl_figure_player_and_widget():
    player = kl_figure(waypoints=((0.0, 1.0), (1.0, 0.5)), steps_per_leg=2, dpi=30)
    assert len(player) == 3 and count_frames(player.to_html()) == 3
    box = player.widget()
    box.slider.value = 2
    assert box.controls["mu"].value == 1.0 and box.controls["sigma"].value == 0.5


@pytest.mark.parametrize("mu, sigma", [(float("nan"), 1.0), (0.0, 0.0), (0.0, -1.0), (0.0, float("inf"))])
def test_kl_terms_reject_bad_arguments(mu, sigma):
    with pytest.raises(ValueError):
        kl_terms_1d(mu, sigma)


# ---- figure 2: the ELBO gap ----------------------------------------------------------------------


def test_elbo_gap_path_obeys_the_evidence_identity_and_closes():
    model, x = default_model()
    path = elbo_gap_path(model, x, torch.linspace(0, 1, 11))
    assert torch.allclose(path.elbo + path.kl_to_posterior, torch.full((11,), path.log_evidence, dtype=torch.float64),
                          atol=1e-10)
    # Oracle for the gap: the univariate KL between q_t and the exact posterior, from torch.distributions.
    posterior = Normal(path.posterior_mean[0], path.posterior_cov[0, 0].sqrt())
    q = Normal(path.mu[:, 0], (0.5 * path.logvar[:, 0]).exp())
    assert torch.allclose(path.kl_to_posterior, kl_divergence(q, posterior), atol=1e-10)
    # Along this path both parts of the 1-D KL, (1-t)^2 mu*^2 and e^u - u - 1 with u = (t-1) s*, shrink: the gap falls to 0.
    assert bool((path.kl_to_posterior[1:] < path.kl_to_posterior[:-1]).all())
    assert path.kl_to_posterior[-1].item() == pytest.approx(0.0, abs=1e-10)
    assert path.kl_to_posterior[0].item() > 1.0  # the prior is far from this posterior


def test_elbo_gap_drawn_segment_spans_elbo_to_evidence():
    player = elbo_gap_figure(steps=2, dpi=30)
    fig = player.figure(1)  # t = 0.5
    segment = fig.axes[1].collections[-1].get_segments()[0]
    now = elbo_gap_path(*default_model(), [0.5])
    assert sorted(segment[:, 1]) == pytest.approx(sorted([now.elbo.item(), now.log_evidence]), rel=1e-9)
    assert count_frames(player.to_html()) == 3 and player.widget().controls["t"].value == 0.0


def test_elbo_gap_rejects_bad_arguments():
    model, x = default_model()
    with pytest.raises(ValueError):
        elbo_gap_path(model, x[None], [0.5])
    with pytest.raises(ValueError):
        elbo_gap_figure(model=model)
    with pytest.raises(ValueError):
        elbo_gap_figure(steps=0)


# ---- figure 3: the two gradient estimators -------------------------------------------------------


def test_estimates_are_the_gradient_functions_outputs():
    spread = gradient_spread((1, 8), repeats=20, mu=0.5, sigma=2.0, seed=3)
    generator = torch.Generator().manual_seed(3)
    mu, logvar = torch.tensor([0.5], dtype=torch.float64), torch.tensor([math.log(4.0)], dtype=torch.float64)
    for index, count in enumerate((1, 8)):
        eps = torch.randn(20, count, 1, generator=generator, dtype=torch.float64)
        assert torch.equal(spread.score[index], score_function_gradient(square, mu, logvar, count, eps=eps)[0][:, 0])
        assert torch.equal(spread.pathwise[index], pathwise_gradient(square, mu, logvar, count, eps=eps)[0][:, 0])
        # d/dmu of z^2 along z = mu + sigma*eps is 2z: the pathwise estimate is twice the sample mean.
        assert spread.pathwise[index][0].item() == pytest.approx(2 * spread.samples[index].mean().item(), rel=1e-12)


def test_estimator_spread_matches_theory():
    repeats = 400
    spread = gradient_spread((1, 4, 64), repeats=repeats, mu=1.0, sigma=1.0, seed=0)
    for index, count in enumerate(spread.sample_counts):
        for estimates in (spread.score, spread.pathwise):  # both unbiased: mean within 4 standard errors of 2*mu
            standard_error = estimates[index].std().item() / math.sqrt(repeats)
            assert abs(estimates[index].mean().item() - 2.0) < 4 * standard_error
        # pathwise estimates are exactly N(2, 4/L); a sample std has relative s.e. ~ 1/sqrt(2(R-1)).
        relative = spread.pathwise[index].std().item() / (2 / math.sqrt(count))
        assert abs(relative - 1) < 4 / math.sqrt(2 * (repeats - 1))
        # score-function variance is 30/L here (E[(eps + 2eps^2 + eps^3)^2] - 4), 7.5 times the pathwise 4/L.
        assert spread.score[index].std().item() > 1.5 * spread.pathwise[index].std().item()


def test_estimators_figure_has_one_frame_per_sample_count():
    player = estimators_figure(sample_counts=(1, 16), repeats=10, dpi=30)
    assert count_frames(player.to_html()) == 2 and player.data.sample_counts == (1, 16)
    assert player.widget().slider.max == 1
    with pytest.raises(ValueError):
        gradient_spread((0, 4))
    with pytest.raises(ValueError):
        gradient_spread((4,), repeats=1)


def test_no_pyplot_figure_created_by_the_figures():
    players = [kl_figure(steps_per_leg=1, dpi=20), elbo_gap_figure(steps=1, dpi=20),
               estimators_figure(sample_counts=(1,), repeats=4, dpi=20)]
    for player in players:
        player.to_html()
        player.widget()
    assert plt.get_fignums() == [] and np.all([count_frames(p.to_html()) == len(p) for p in players])
