"""vaecourse: the tested companion library of the Variational Autoencoders course."""

from .amortization import LinearEncoder, fit_variational_parameters, inference_gaps
from .anomaly import elbo_anomaly_scores, roc_auc
from .autoregressive import AutoregressiveVAE, AutoregressiveVAEConfig
from .bounds import (
    ElboTerms,
    elbo_estimate,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
)
from .checkpoint import load_checkpoint, save_checkpoint
from .collapse_study import latent_value, run_mitigations
from .conditional import ConditionalVAE, ConditionalVAEConfig
from .convergence import error_vs_sample_size
from .data import load_digits, load_idx
from .diagnostics import active_units, evaluate, kl_per_dimension, log_likelihood_estimate, mutual_information
from .diffusion_elbo import diffusion_elbo_terms
from .estimator_variance import gradient_variance_study
from .gradients import pathwise_gradient, score_function_gradient
from .gumbel import gumbel_softmax_sample
from .interpolation import interpolate_latents
from .kl import gaussian_kl, gaussian_kl_between
from .kl_basics import categorical_kl, fit_gaussian_by_kl
from .likelihoods import (
    bernoulli_log_likelihood,
    diagonal_gaussian_log_density,
    gaussian_log_likelihood,
    standard_normal_log_density,
)
from .linear_gaussian import LinearGaussianModel
from .models import VAE, VAEConfig
from .montecarlo import MonteCarloEstimate, monte_carlo_estimate
from .rate_distortion import beta_sweep, gaussian_rate_distortion
from .recipes import digits_recipe
from .reparam import reparameterize
from .representation import compare_representations, probe_accuracy
from .sample_quality import energy_distance, mode_coverage
from .sampling_cost import evaluations_per_sample
from .tightness import path_to_posterior
from .train import History, TrainConfig, TrainingDivergedError, fit, kl_annealing_weight

__version__ = "0.1.0"

__all__ = [
    "AutoregressiveVAE",
    "AutoregressiveVAEConfig",
    "ConditionalVAE",
    "ConditionalVAEConfig",
    "ElboTerms",
    "History",
    "LinearEncoder",
    "LinearGaussianModel",
    "MonteCarloEstimate",
    "TrainConfig",
    "TrainingDivergedError",
    "VAE",
    "VAEConfig",
    "active_units",
    "bernoulli_log_likelihood",
    "beta_sweep",
    "categorical_kl",
    "compare_representations",
    "diagonal_gaussian_log_density",
    "diffusion_elbo_terms",
    "digits_recipe",
    "elbo_anomaly_scores",
    "elbo_estimate",
    "energy_distance",
    "error_vs_sample_size",
    "evaluate",
    "evaluations_per_sample",
    "fit",
    "fit_gaussian_by_kl",
    "fit_variational_parameters",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_likelihood",
    "gaussian_rate_distortion",
    "gradient_variance_study",
    "gumbel_softmax_sample",
    "importance_log_weights",
    "importance_sampled_log_likelihood",
    "inference_gaps",
    "interpolate_latents",
    "iwae_bound",
    "kl_annealing_weight",
    "kl_per_dimension",
    "latent_value",
    "load_checkpoint",
    "load_digits",
    "load_idx",
    "log_likelihood_estimate",
    "mode_coverage",
    "monte_carlo_estimate",
    "mutual_information",
    "path_to_posterior",
    "pathwise_gradient",
    "probe_accuracy",
    "reparameterize",
    "roc_auc",
    "run_mitigations",
    "save_checkpoint",
    "score_function_gradient",
    "standard_normal_log_density",
]
