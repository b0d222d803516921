"""vaecourse: the tested companion library of the Variational Autoencoders course.

Its subpackages are layers, bottom to top; each imports only itself and the layers named after it
(``tests/test_package_layout.py`` checks this, and that no import circle exists):

- :mod:`vaecourse.core`: the math (KL, reparameterization, likelihoods, bounds, estimators, Monte
  Carlo, priors, the linear-Gaussian model); imports no other part of vaecourse.
- :mod:`vaecourse.data`: digits, IDX files and 2-d toy sets; core.
- :mod:`vaecourse.models`: the VAE and its variants, the DDPM; core, data.
- :mod:`vaecourse.training`: ``fit``, History, checkpoints, recipes, diagnostics, the ``train``
  command; core, data, models.
- :mod:`vaecourse.studies`: the experiments behind particular book sessions; core to training.
- :mod:`vaecourse.viz`: the book's figures and players; core to studies.
- :mod:`vaecourse.grading`: checking exercises; core.
- :mod:`vaecourse.practice`: practice variants and the entry diagnostic; core to training, grading.
- :mod:`vaecourse.instructor`: assigning and grading a class; grading.

This module re-exports the names a notebook needs most (``from vaecourse import gaussian_kl``).
"""

from .core import (
    ElboTerms,
    LinearGaussianModel,
    MonteCarloEstimate,
    bernoulli_log_likelihood,
    categorical_kl,
    diagonal_gaussian_log_density,
    elbo_estimate,
    fit_gaussian_by_kl,
    gaussian_kl,
    gaussian_kl_between,
    gaussian_log_likelihood,
    gumbel_softmax_sample,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
    monte_carlo_estimate,
    pathwise_gradient,
    reparameterize,
    score_function_gradient,
    standard_normal_log_density,
)
from .data import load_digits, load_idx
from .models import AutoregressiveVAE, AutoregressiveVAEConfig, ConditionalVAE, ConditionalVAEConfig, VAE, VAEConfig
from .studies.amortization import LinearEncoder, fit_variational_parameters, inference_gaps
from .studies.anomaly import elbo_anomaly_scores, roc_auc
from .studies.collapse import latent_value, run_mitigations
from .studies.convergence import error_vs_sample_size
from .studies.diffusion_elbo import diffusion_elbo_terms
from .studies.estimator_variance import gradient_variance_study
from .studies.interpolation import interpolate_latents
from .studies.rate_distortion import beta_sweep, gaussian_rate_distortion
from .studies.representation import compare_representations, probe_accuracy
from .studies.sample_quality import energy_distance, mode_coverage
from .studies.sampling_cost import evaluations_per_sample
from .studies.tightness import path_to_posterior
from .training import (
    History,
    TrainConfig,
    TrainingDivergedError,
    digits_recipe,
    fit,
    kl_annealing_weight,
    load_checkpoint,
    save_checkpoint,
)
from .training.diagnostics import active_units, evaluate, kl_per_dimension, log_likelihood_estimate, mutual_information

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
