"""Training and measuring a model: the ``fit`` loop, its History, checkpoints, tuned recipes, the diagnostics of a trained VAE and the ``train`` command; it may import :mod:`vaecourse.core`, :mod:`vaecourse.data` and :mod:`vaecourse.models`.

:mod:`.loop` holds :func:`~.loop.fit` and its :class:`~.loop.TrainConfig`; the pieces its loop calls are
:mod:`.batches` (data coercion, checks, batches, dynamic binarization), :mod:`.schedules` (KL weight,
learning rate, Adam), :mod:`.objectives` (the ELBO, free-bits and IWAE losses, the divergence guard) and
:mod:`.seeding` (device and random state); :mod:`.history` what a run records; :mod:`.checkpoint` exact
save and restore; :mod:`.recipes` the tuned configurations; :mod:`.streamed_nll` the one NLL estimator
(importance sampling in bounded memory, with progress); :mod:`.diagnostics` the ELBO, active units, KL
per dimension and mutual information of a trained model; :mod:`.diffusion` the DDPM's training;
:mod:`.cli` the ``python -m vaecourse train`` command.
"""

from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .history import History
from .loop import TrainConfig, TrainingDivergedError, cyclical_kl_weight, fit, kl_annealing_weight
from .recipes import digits_recipe

__all__ = [
    "Checkpoint",
    "History",
    "TrainConfig",
    "TrainingDivergedError",
    "cyclical_kl_weight",
    "digits_recipe",
    "fit",
    "kl_annealing_weight",
    "load_checkpoint",
    "save_checkpoint",
]
