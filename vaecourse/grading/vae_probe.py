"""Run a learner's whole VAE (encoder and decoder classes, loss, training function) on the checker's inputs and record plain data.

This is the part of the capstone check that runs in the sandboxed child (:mod:`.sandbox`): it builds
the learner's networks, calls their loss and training function on inputs drawn from the check's
seed, and returns only numbers, shapes and flags — the networks' outputs ``mu``, ``logvar`` and
``logits``, the loss values, which parameters a gradient reached, the losses of training. It holds no
reference and judges nothing: the grader recomputes every input from the same seed and compares
the outputs with the course's own ELBO (:mod:`vaecourse.grading.bank.s8_capstone`).

The learner's answer is a mapping (or object) with ``Encoder(data_dim, latent_dim)`` (a module
mapping ``x (B, D)`` to ``(mu, logvar)``, each ``(B, L)``), ``Decoder(latent_dim, data_dim)`` (``z
(B, L)`` to logits ``(B, D)``), ``loss(x, encoder, decoder, eps)`` (a scalar: the batch mean of the
negative ELBO, with ``z = mu + exp(logvar / 2) * eps``) and ``train(encoder, decoder, x, epochs)``
(returns the loss of every step).
"""

from __future__ import annotations

import math
import signal
import threading
import time

import torch

from .sandbox import describe_exception

PARTS = ("Encoder", "Decoder", "loss", "train")
SHAPE_SIZES = ((5, 64, 2), (1, 64, 8), (7, 20, 3), (3, 12, 1))  # (B, D, L): batch, data and latent sizes
LOSS_SIZES = ((6, 64, 8), (4, 20, 3), (9, 12, 5), (12, 64, 2))  # B, D and L vary independently
LOSS_REPLICAS = 3  # per size: different networks, data and noise, so reconstruction and KL separate
TRAIN_LATENT, TRAIN_EPOCHS, TRAIN_BUDGET_S = 8, 30, 60.0
TEST_IMAGES_AT_INIT = 120
NUM_PRIOR_SAMPLES = 16


class NotAttempted(Exception):
    """A part of the answer is still the stub (None, or raises NotImplementedError)."""


class TrainingBudgetExceeded(Exception):
    """Raised inside the learner's training function when its time budget is spent."""


def part(answer, name: str):
    value = answer.get(name) if isinstance(answer, dict) else getattr(answer, name, None)
    if value is None or value is Ellipsis:
        raise NotAttempted(name)
    return value


def tensors(seed: int, shape: tuple, kind: str) -> torch.Tensor:
    """Inputs drawn from the check's seed: binary images (``x``), standard-normal noise (``eps``)."""
    generator = torch.Generator().manual_seed(seed)
    if kind == "x":
        return torch.bernoulli(torch.full(shape, 0.4), generator=generator)
    return torch.randn(shape, generator=generator)


def plain(value) -> list | float | None:
    """A tensor as nested lists of floats (NaN and inf kept), or None if it is not a tensor."""
    if not isinstance(value, torch.Tensor):
        return None
    return value.detach().cpu().double().tolist()


def shape_of(value):
    return list(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__


def build(answer, data_dim: int, latent_dim: int, seed: int):
    """The learner's encoder and decoder for these sizes, built after seeding torch (a seeded start)."""
    torch.manual_seed(seed)
    encoder = part(answer, "Encoder")(data_dim, latent_dim)
    decoder = part(answer, "Decoder")(latent_dim, data_dim)
    for name, net in (("Encoder", encoder), ("Decoder", decoder)):
        if not isinstance(net, torch.nn.Module):
            raise TypeError(f"{name}({data_dim}, {latent_dim}) must build a torch.nn.Module, got {type(net).__name__}")
    return encoder, decoder


def encode(encoder, x: torch.Tensor):
    out = encoder(x)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"the encoder must return a pair (mu, logvar), got {shape_of(out)}")
    return out[0], out[1]


def forward(encoder, decoder, x: torch.Tensor, eps: torch.Tensor):
    """``mu, logvar = encoder(x)``; ``logits = decoder(mu + exp(logvar / 2) * eps)``."""
    mu, logvar = encode(encoder, x)  # (B, L) each
    logits = decoder(mu + torch.exp(0.5 * logvar) * eps)  # (B, D)
    return mu, logvar, logits


def probe_shapes(answer, seed: int) -> list[dict]:
    records = []
    for i, (b, d, l) in enumerate(SHAPE_SIZES):
        record = {"size": [b, d, l]}
        try:
            encoder, decoder = build(answer, d, l, seed + i)
            x = tensors(seed + 100 + i, (b, d), "x")
            mu, logvar = encode(encoder, x)
            record.update(mu=shape_of(mu), logvar=shape_of(logvar))
            record["logits"] = shape_of(decoder(torch.zeros(b, l)))
        except (NotAttempted, NotImplementedError):
            raise
        except Exception as exc:  # noqa: BLE001 - the learner's error is a finding
            record["raised"] = describe_exception(exc)
        records.append(record)
    return records


def probe_loss(answer, seed: int) -> list[dict]:
    loss = part(answer, "loss")
    records = []
    for i, (b, d, l) in enumerate(LOSS_SIZES):
        for r in range(LOSS_REPLICAS):
            case = seed + 1000 + 10 * i + r
            record = {"size": [b, d, l], "case": case}
            try:
                encoder, decoder = build(answer, d, l, case)
                _spread_posterior(encoder, r)
                x, eps = tensors(case, (b, d), "x"), tensors(case + 7, (b, l), "eps")
                with torch.no_grad():
                    mu, logvar, logits = forward(encoder, decoder, x, eps)
                    record.update(mu=plain(mu), logvar=plain(logvar), logits=plain(logits))
                    with torch.random.fork_rng(devices=[]):
                        torch.manual_seed(case)
                        value = loss(x.clone(), encoder, decoder, eps.clone())
                        torch.manual_seed(case + 1)
                        again = loss(x.clone(), encoder, decoder, eps.clone())
                record["loss_shape"] = shape_of(value)
                record["loss"] = plain(value)
                record["same_noise_same_loss"] = bool(torch.equal(torch.as_tensor(value), torch.as_tensor(again)))
            except (NotAttempted, NotImplementedError):
                raise
            except Exception as exc:  # noqa: BLE001
                record["raised"] = describe_exception(exc)
            records.append(record)
    return records


def _spread_posterior(encoder, replica: int) -> None:
    """Move the encoder's outputs away from the prior by a different affine map per replica.

    Untrained encoders output mu near 0 and logvar near 0, whose KL is tiny beside the reconstruction;
    the learner's loss and the reference both see the moved outputs, so reconstruction and KL weigh
    alike in the loss values and a mis-weighted KL shows.
    """
    scale, shift = 1.0 + replica, (0.5 * replica, 0.6 * replica - 0.8)

    original = encoder.forward

    def forward(*args, **kwargs):  # an instance attribute: encoder(x) and encoder.forward(x) both reach it
        out = original(*args, **kwargs)
        if isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out):
            return out[0] * scale + shift[0], out[1] * scale + shift[1]
        return out

    encoder.forward = forward


def _gradient_norms(parameters) -> list[float | None]:
    return [None if p.grad is None else float(p.grad.abs().sum()) for p in parameters]


def probe_gradients(answer, seed: int) -> dict:
    """Which parameters the learner's loss reaches, and whether the encoder's gradient has a path through z.

    The KL alone already reaches every encoder parameter; the gradient that comes through the sample
    is what remains after the KL's gradient is taken away, so it is measured as the difference.
    """
    loss = part(answer, "loss")
    b, d, l = 8, 64, 4
    encoder, decoder = build(answer, d, l, seed + 2000)
    x, eps = tensors(seed + 2001, (b, d), "x"), tensors(seed + 2002, (b, l), "eps")
    value = loss(x, encoder, decoder, eps)
    if not (isinstance(value, torch.Tensor) and value.requires_grad):
        return {"connected": False, "loss_shape": shape_of(value)}
    value.sum().backward()
    total = [None if p.grad is None else p.grad.clone() for p in encoder.parameters()]
    encoder.zero_grad(set_to_none=True)
    mu, logvar = encode(encoder, x)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(-1)  # (B,): the closed form, only to subtract it
    (kl.mean() * (value.numel() if value.dim() else 1)).backward()
    through_sample = [
        None if t is None else float((t - (p.grad if p.grad is not None else 0)).abs().sum())
        for t, p in zip(total, encoder.parameters())
    ]
    return {
        "connected": True,
        "encoder_total": [None if t is None else float(t.abs().sum()) for t in total],
        "encoder_names": [n for n, _ in encoder.named_parameters()],
        "decoder_names": [n for n, _ in decoder.named_parameters()],
        "encoder_through_sample": through_sample,
        "decoder": _gradient_norms(decoder.parameters()),
    }


def _cpu_alarm(seconds: float):
    """Raise TrainingBudgetExceeded in this (main) thread once the process has used ``seconds`` of CPU; a no-op elsewhere.

    CPU time, not wall time: a grader on a busy machine must not fail a model that trains within budget.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "ITIMER_PROF"):
        return lambda: None

    def ring(signum, frame):
        raise TrainingBudgetExceeded

    previous = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, seconds)

    def cancel():
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)

    return cancel


def evaluate(encoder, decoder, x: torch.Tensor, eps: torch.Tensor) -> dict:
    encoder.eval(), decoder.eval()
    with torch.no_grad():
        mu, logvar, logits = forward(encoder, decoder, x, eps)
    return {"mu": plain(mu), "logvar": plain(logvar), "logits": plain(logits)}


def effective_beta_terms(encoder, decoder, x: torch.Tensor, eps: torch.Tensor) -> dict:
    """Dot products of the gradients of the mean reconstruction loss and the mean KL over all parameters.

    At a stationary point of ``rec + beta * kl`` the two gradients cancel: ``g_rec = -beta * g_kl``;
    the grader reads ``beta`` off as ``-<g_rec, g_kl> / <g_kl, g_kl>``.
    """
    params = [p for p in (*encoder.parameters(), *decoder.parameters()) if p.requires_grad]
    mu, logvar, logits = forward(encoder, decoder, x, eps)
    rec = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1).mean()
    kl = (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(-1)).mean()
    g_rec = torch.autograd.grad(rec, params, allow_unused=True)
    g_kl = torch.autograd.grad(kl, params, allow_unused=True)
    pairs = [(a, b) for a, b in zip(g_rec, g_kl) if a is not None and b is not None]
    return {
        "rec_kl": float(sum((a * b).sum() for a, b in pairs)) if pairs else 0.0,
        "kl_kl": float(sum((b * b).sum() for _, b in pairs)) if pairs else 0.0,
    }


def probe_training(answer, seed: int, x_train: torch.Tensor, x_test: torch.Tensor) -> dict:
    train = part(answer, "train")
    d, l = x_train.shape[1], TRAIN_LATENT
    encoder, decoder = build(answer, d, l, seed + 3000)
    eps_init = tensors(seed + 3001, (TEST_IMAGES_AT_INIT, l), "eps")
    record = {"init": evaluate(encoder, decoder, x_test[:TEST_IMAGES_AT_INIT], eps_init)}
    encoder.train(), decoder.train()
    torch.manual_seed(seed + 3002)
    start = time.process_time()
    cancel = _cpu_alarm(TRAIN_BUDGET_S)
    try:
        losses = train(encoder, decoder, x_train.clone(), TRAIN_EPOCHS)
    except TrainingBudgetExceeded:
        record["over_budget"] = True
        return record
    except (NotAttempted, NotImplementedError):
        raise
    except Exception as exc:  # noqa: BLE001
        record["raised"] = describe_exception(exc)
        return record
    finally:
        cancel()
    record["cpu_seconds"] = time.process_time() - start
    try:
        record["losses"] = [float(v) for v in losses][:20000]
    except Exception:  # noqa: BLE001 - not a sequence of numbers: judged from the model alone
        record["losses"] = None
    eps = tensors(seed + 3003, (x_test.shape[0], l), "eps")
    record["test"] = evaluate(encoder, decoder, x_test, eps)
    try:
        record["beta_terms"] = effective_beta_terms(encoder, decoder, x_train, tensors(seed + 3004, (x_train.shape[0], l), "eps"))
    except Exception:  # noqa: BLE001
        record["beta_terms"] = None
    with torch.no_grad():
        z = tensors(seed + 3005, (NUM_PRIOR_SAMPLES, l), "eps")
        record["prior_logits"] = plain(decoder(z))
        record["single_sample_shape"] = shape_of(decoder(z[:1]))
    return record


def _attempt(probe, *args) -> dict | list:
    """A probe's records, or ``{"not_attempted": ...}`` when a part it needs is still the stub."""
    try:
        return probe(*args)
    except NotAttempted as missing:
        return {"not_attempted": str(missing)}
    except NotImplementedError as stub:
        return {"not_attempted": str(stub) or "a stub"}
    except Exception as exc:  # noqa: BLE001 - the learner's error is a finding
        return {"raised": describe_exception(exc)}


def probe_vae(answer, seed: int) -> dict:
    """Everything the capstone's judge needs, as plain data (runs in the sandboxed child)."""
    data = {
        "shapes": _attempt(probe_shapes, answer, seed),
        "loss": _attempt(probe_loss, answer, seed),
        "gradients": _attempt(probe_gradients, answer, seed),
    }
    from ..data import load_digits

    digits = load_digits()
    data["training"] = _attempt(probe_training, answer, seed, digits.x_train, digits.x_test)
    return data


def finite(values) -> bool:
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif item is None or not math.isfinite(item):
            return False
    return True
