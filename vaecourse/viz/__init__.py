"""Interactive figures of the course, each a drawing function played as a static HTML player or a live widget; it may import :mod:`vaecourse.core`, :mod:`vaecourse.data`, :mod:`vaecourse.models`, :mod:`vaecourse.training` and :mod:`vaecourse.studies`.

Usage in a book page (the static player shows; readers with a kernel can call ``.widget()``)::

    from vaecourse.viz import kl_figure
    kl_figure()            # jshtml player: works in the static book, no kernel, no network
    kl_figure().widget()   # ipywidgets version for a live kernel

A new figure is a function ``draw(fig, **params)`` and a list of frames: ``Player(draw, frames)``.
"""

from .beta_figure import beta_figure
from .diffusion_figure import diffusion_figure, reverse_figure
from .elbo_figure import ElboGapPath, draw_elbo_gap, elbo_gap_figure, elbo_gap_path
from .estimators_figure import EstimatorSpread, draw_estimators, estimators_figure, gradient_spread
from .kl_figure import draw_kl_terms, kl_figure, kl_path, kl_terms_1d
from .player import Player, count_frames, offline_jshtml
from .training_figure import TrainingRecorder, training_figure

__all__ = [
    "ElboGapPath",
    "EstimatorSpread",
    "Player",
    "TrainingRecorder",
    "beta_figure",
    "count_frames",
    "diffusion_figure",
    "draw_elbo_gap",
    "draw_estimators",
    "draw_kl_terms",
    "elbo_gap_figure",
    "elbo_gap_path",
    "estimators_figure",
    "gradient_spread",
    "kl_figure",
    "kl_path",
    "kl_terms_1d",
    "offline_jshtml",
    "reverse_figure",
    "training_figure",
]
