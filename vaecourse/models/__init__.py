"""The generative models as ``nn.Module`` classes (the VAE, its conditional and autoregressive-decoder variants, the DDPM); they may import :mod:`vaecourse.core` and :mod:`vaecourse.data`.

:mod:`.vae` is the course's VAE (Gaussian encoder, Bernoulli or Gaussian decoder, standard-normal or
mixture prior); :mod:`.conditional` conditions encoder, decoder and prior on a label;
:mod:`.autoregressive` gives the decoder a view of the earlier pixels (the posterior-collapse
setting); :mod:`.ddpm` is the diffusion model with its noise schedule and sampler.
"""

from .autoregressive import AutoregressiveVAE, AutoregressiveVAEConfig
from .conditional import ConditionalVAE, ConditionalVAEConfig
from .vae import ACTIVATIONS, LIKELIHOODS, PRIORS, VAE, VAEConfig, VAEOutput, mlp

# Besides the models: what ``from vaecourse.models import ...`` gave when this was one module, models.py.
__all__ = [
    "ACTIVATIONS",
    "LIKELIHOODS",
    "PRIORS",
    "AutoregressiveVAE",
    "AutoregressiveVAEConfig",
    "ConditionalVAE",
    "ConditionalVAEConfig",
    "VAE",
    "VAEConfig",
    "VAEOutput",
    "mlp",
]
