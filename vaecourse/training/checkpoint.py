"""Saving and restoring a trained model with its optimizer, history and training configuration, exactly.

A checkpoint is one ``torch.save`` file of plain values and tensors (loadable with
``torch.load(..., weights_only=True)``, so opening one never runs code), holding::

    {"format", "model_class", "model_config", "model_state", "optimizer_state", "history", "train_config"}
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from ..models.autoregressive import AutoregressiveVAE, AutoregressiveVAEConfig
from ..models.conditional import ConditionalVAE, ConditionalVAEConfig
from ..models.vae import VAE, VAEConfig
from .history import History

FORMAT = "vaecourse-checkpoint-1"
MODEL_CLASSES = {
    "VAE": (VAE, VAEConfig),
    "ConditionalVAE": (ConditionalVAE, ConditionalVAEConfig),
    "AutoregressiveVAE": (AutoregressiveVAE, AutoregressiveVAEConfig),
}


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns: the rebuilt model, its optimizer and what was saved beside them.

    ``optimizer`` is rebuilt on ``model.parameters()`` with the saved state (moments, step counts,
    learning rate), ready for ``fit(model, ..., optimizer=ckpt.optimizer)``; ``None`` if none was saved.
    """

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer | None
    history: History | None
    train_config: dict | None


def save_checkpoint(path: str | os.PathLike, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    history: History | None = None, train_config: dict | None = None) -> Path:
    """Write ``model`` (class, config and weights), the optimizer (class and state), the history and the
    training configuration to ``path``; returns the path. ``optimizer`` defaults to ``history.optimizer``
    and ``train_config`` to ``history.config``.

    Raises:
        TypeError: the model is not one of :data:`MODEL_CLASSES` (a VAE of this package).
    """
    name = type(model).__name__
    if name not in MODEL_CLASSES:
        raise TypeError(f"save_checkpoint saves the models {sorted(MODEL_CLASSES)}, got {name}")
    if optimizer is None and history is not None:
        optimizer = history.optimizer
    payload = {
        "format": FORMAT,
        "model_class": name,
        "model_config": model.config.to_dict(),
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer_class": type(optimizer).__name__ if optimizer is not None else None,
        "optimizer_state": optimizer.state_dict() if optimizer is not None else None,
        "history": history.to_dict() if history is not None else None,
        "train_config": train_config if train_config is not None else (history.config if history else None),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return path


def load_checkpoint(path: str | os.PathLike, map_location=None) -> Checkpoint:
    """Rebuild the model and optimizer saved by :func:`save_checkpoint`, on ``map_location`` (default CPU).

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a vaecourse checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    except Exception as error:  # a pickle from elsewhere, or a damaged file
        raise ValueError(f"{path} is not a readable vaecourse checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a vaecourse checkpoint (expected format {FORMAT!r})")
    model_class, config_class = MODEL_CLASSES[payload["model_class"]]
    model = model_class(config_class(**payload["model_config"]))
    model.load_state_dict(payload["model_state"])
    model.to(map_location or "cpu")
    optimizer = None
    if payload["optimizer_class"] is not None:
        optimizer = getattr(torch.optim, payload["optimizer_class"])(model.parameters())
        optimizer.load_state_dict(payload["optimizer_state"])
    history = History.from_dict(payload["history"]) if payload["history"] is not None else None
    if history is not None:
        history.optimizer = optimizer
    return Checkpoint(model=model, optimizer=optimizer, history=history, train_config=payload["train_config"])
