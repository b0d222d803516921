"""The math core that everything stands on (KL, reparameterization, likelihoods, bounds, gradient estimators, Monte Carlo, priors, the linear-Gaussian model, Gumbel-softmax); it imports only torch, the standard library and itself.

One module per idea: :mod:`.kl` (closed-form and first-principles KL), :mod:`.reparam`,
:mod:`.likelihoods`, :mod:`.bounds` (the ELBO and the importance weights, computed once; IWAE), :mod:`.gradients` (score-function and
pathwise estimators), :mod:`.montecarlo`, :mod:`.priors` (objects with ``log_prob`` and ``sample``), :mod:`.linear_gaussian` (the model whose
posterior is known in closed form), :mod:`.gumbel` (discrete latents) and :mod:`._validation` (the
argument checks every public function uses). Nothing here knows of a model class, a training loop
or a grader.
"""

from .bounds import (
    ElboSample,
    ElboTerms,
    elbo_estimate,
    elbo_sample,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
)
from .gradients import pathwise_gradient, score_function_gradient
from .gumbel import gumbel_softmax_sample
from .kl import categorical_kl, fit_gaussian_by_kl, free_bits_kl, gaussian_kl, gaussian_kl_between
from .likelihoods import (
    bernoulli_log_likelihood,
    diagonal_gaussian_log_density,
    gaussian_log_likelihood,
    standard_normal_log_density,
)
from .linear_gaussian import LinearGaussianModel
from .montecarlo import MonteCarloEstimate, monte_carlo_estimate
from .priors import DiagonalGaussianPrior, MixturePrior, StandardNormalPrior
from .reparam import reparameterize

__all__ = [
    "DiagonalGaussianPrior",
    "ElboSample",
    "ElboTerms",
    "LinearGaussianModel",
    "MixturePrior",
    "MonteCarloEstimate",
    "bernoulli_log_likelihood",
    "categorical_kl",
    "diagonal_gaussian_log_density",
    "elbo_estimate",
    "elbo_sample",
    "fit_gaussian_by_kl",
    "free_bits_kl",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_likelihood",
    "gumbel_softmax_sample",
    "importance_log_weights",
    "importance_sampled_log_likelihood",
    "iwae_bound",
    "monte_carlo_estimate",
    "pathwise_gradient",
    "reparameterize",
    "score_function_gradient",
    "standard_normal_log_density",
    "StandardNormalPrior",
]
