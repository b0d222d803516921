"""vaecourse: the tested companion library of the Variational Autoencoders course."""

from .bounds import (
    ElboTerms,
    elbo_estimate,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
)
from .amortization import LinearEncoder, fit_variational_parameters, inference_gaps
from .convergence import error_vs_sample_size
from .estimator_variance import gradient_variance_study
from .gradients import pathwise_gradient, score_function_gradient
from .gumbel import gumbel_softmax_sample
from .kl import gaussian_kl, gaussian_kl_between
from .kl_basics import categorical_kl, fit_gaussian_by_kl
from .likelihoods import (
    bernoulli_log_likelihood,
    diagonal_gaussian_log_density,
    gaussian_log_likelihood,
    standard_normal_log_density,
)
from .linear_gaussian import LinearGaussianModel
from .montecarlo import MonteCarloEstimate, monte_carlo_estimate
from .reparam import reparameterize
from .tightness import path_to_posterior

__version__ = "0.1.0"

__all__ = [
    "ElboTerms",
    "LinearEncoder",
    "LinearGaussianModel",
    "MonteCarloEstimate",
    "bernoulli_log_likelihood",
    "categorical_kl",
    "diagonal_gaussian_log_density",
    "elbo_estimate",
    "error_vs_sample_size",
    "fit_gaussian_by_kl",
    "fit_variational_parameters",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_likelihood",
    "gradient_variance_study",
    "gumbel_softmax_sample",
    "importance_log_weights",
    "importance_sampled_log_likelihood",
    "inference_gaps",
    "iwae_bound",
    "monte_carlo_estimate",
    "path_to_posterior",
    "pathwise_gradient",
    "reparameterize",
    "score_function_gradient",
    "standard_normal_log_density",
]
