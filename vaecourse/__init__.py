"""vaecourse: the tested companion library of the Variational Autoencoders course."""

from .bounds import (
    ElboTerms,
    elbo_estimate,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
)
from .gradients import pathwise_gradient, score_function_gradient
from .kl import gaussian_kl, gaussian_kl_between
from .likelihoods import (
    bernoulli_log_likelihood,
    diagonal_gaussian_log_density,
    gaussian_log_likelihood,
    standard_normal_log_density,
)
from .linear_gaussian import LinearGaussianModel
from .montecarlo import MonteCarloEstimate, monte_carlo_estimate
from .reparam import reparameterize

__version__ = "0.1.0"

__all__ = [
    "ElboTerms",
    "LinearGaussianModel",
    "MonteCarloEstimate",
    "bernoulli_log_likelihood",
    "diagonal_gaussian_log_density",
    "elbo_estimate",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_likelihood",
    "importance_log_weights",
    "importance_sampled_log_likelihood",
    "iwae_bound",
    "monte_carlo_estimate",
    "pathwise_gradient",
    "reparameterize",
    "score_function_gradient",
    "standard_normal_log_density",
]
