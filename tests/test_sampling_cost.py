"""Tests of vaecourse.studies.sampling_cost: the counts of three samplers whose costs are known by construction."""

import pytest
import torch

from vaecourse.models import AutoregressiveVAE, AutoregressiveVAEConfig
from vaecourse.models.ddpm import EpsilonMLP, linear_schedule, sample_ddpm
from vaecourse.models import VAE, VAEConfig
from vaecourse.studies.sampling_cost import EvaluationCounter, evaluations_per_sample

torch.set_num_threads(1)


def test_a_vae_decodes_once_per_sample():
    vae = VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), seed=0)
    assert evaluations_per_sample(vae.decoder, lambda n: vae.sample(n, seed=0), n=7) == 1.0
    assert evaluations_per_sample(vae.encoder, lambda n: vae.sample(n, seed=0), n=7) == 0.0


def test_a_ddpm_evaluates_its_network_once_per_step():
    net, schedule = EpsilonMLP(hidden=8, num_layers=1), linear_schedule(13)
    assert evaluations_per_sample(net, lambda n: sample_ddpm(net, schedule, n, seed=0), n=5) == 13.0


def test_an_autoregressive_decoder_runs_once_per_pixel():
    model = AutoregressiveVAE(AutoregressiveVAEConfig(data_dim=10, latent_dim=2, hidden_dims=(8,), decoder_hidden=4), seed=0)
    assert evaluations_per_sample(model.decoder.gru, lambda n: model.sample(n, seed=0), n=3) == 10.0


def test_counter_counts_calls_and_rows_and_detaches():
    layer = torch.nn.Linear(2, 2)
    with EvaluationCounter(layer) as counter:
        layer(torch.zeros(4, 2))
        layer(torch.zeros(6, 2))
    assert (counter.calls, counter.rows) == (2, 10)
    layer(torch.zeros(3, 2))
    assert counter.rows == 10  # the hook is gone after the block
    with pytest.raises(TypeError, match="module"):
        EvaluationCounter(lambda x: x)
