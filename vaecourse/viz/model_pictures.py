"""Pictures of a trained image VAE as small PNG files (prior samples, test reconstructions, a latent traversal), and the HTML that shows them with captions.

Each picture is a grid of images, one pixel of the PNG per pixel of the data, ink dark on white, one
light-grey pixel between images: 8-bit grayscale, opaque (legible on a dark page), a few kB to a few tens of kB.
Nothing is drawn at random except the prior samples, from a seeded generator: the same model gives the
same files.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..studies.traversal import latent_traversal

GAP_VALUE = 0.15
"""Ink of the one-pixel lines between images (0 white, 1 black): a light grey."""

KINDS = ("samples", "reconstructions", "traversal")
"""The pictures :func:`write_model_pictures` writes for a model, in this order."""


def tile(images, image_shape: tuple[int, int], *, pair_rows: bool = False) -> np.ndarray:
    """One canvas ``(R(h+1)-1, C(w+1)-1)`` of ``images`` ``(R, C, h*w)`` (values in [0, 1], 1 = ink), a gap of
    one ``GAP_VALUE`` pixel between images; with ``pair_rows`` a gap of two pixels after every second row."""
    images = np.asarray(torch.as_tensor(images).detach().cpu(), dtype=np.float64)
    h, w = image_shape
    if images.ndim != 3 or images.shape[2] != h * w:
        raise ValueError(f"images must have shape (R, C, {h * w}) for image_shape {tuple(image_shape)}, "
                         f"got {images.shape}")
    rows, cols = images.shape[:2]
    tops = [r * (h + 1) + (r // 2 if pair_rows else 0) for r in range(rows)]
    canvas = np.full((tops[-1] + h, cols * (w + 1) - 1), GAP_VALUE)
    for r in range(rows):
        for c in range(cols):
            canvas[tops[r]:tops[r] + h, c * (w + 1):c * (w + 1) + w] = images[r, c].reshape(h, w)
    return canvas


def save_png(path: str | Path, canvas: np.ndarray) -> Path:
    """Write ``canvas`` (values in [0, 1], 1 = ink) as an 8-bit grayscale PNG, ink black on white."""
    canvas = np.asarray(canvas, dtype=np.float64)
    if canvas.ndim != 2 or not np.isfinite(canvas).all() or canvas.min() < 0 or canvas.max() > 1:
        raise ValueError(f"canvas must be a finite 2-d array with values in [0, 1], got shape {canvas.shape}")
    pixels = np.rint(255 * (1 - canvas)).astype(np.uint8)  # (H, W)
    path = Path(path)
    Image.fromarray(pixels).save(path, format="PNG", optimize=True)  # uint8 (H, W): mode L
    return path


@torch.no_grad()
def write_model_pictures(model, x_test: torch.Tensor, folder: str | Path, stem: str, *,
                         image_shape: tuple[int, int] = (28, 28), seed: int = 0, grid: int = 8,
                         pairs: int = 3, columns: int = 10, steps: int = 9, span: float = 2.5) -> list[dict]:
    """Write ``{stem}_samples.png``, ``{stem}_reconstructions.png`` and ``{stem}_traversal.png`` into ``folder``.

    - samples: the decoder's means :math:`\\mathbb E[x\\mid z]` (Bernoulli means) of ``grid`` x ``grid`` draws
      :math:`z\\sim p(z)` (generator seeded with ``seed``);
    - reconstructions: the first ``pairs * columns`` images of ``x_test`` ``(N, P)``, each row of them above
      a row of their reconstructions :math:`\\mathbb E[x\\mid z=\\mu(x)]`;
    - traversal: :func:`~vaecourse.studies.traversal.latent_traversal` over all of ``x_test``.

    Returns one entry per file: ``file`` (its name), ``kind``, ``shows`` (a sentence), ``shape`` (pixels,
    height and width) and, for the traversal, its ``dimensions`` and ``offsets``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.eval()
    shown = x_test[:pairs * columns]  # (n, P)
    if shown.shape[0] < pairs * columns:
        raise ValueError(f"x_test must hold at least pairs * columns = {pairs * columns} images, got {shown.shape[0]}")
    samples = model.sample(grid * grid, seed=seed)  # (grid², P)
    recon = model.reconstruct(shown)  # (n, P)
    rows = torch.stack([shown.reshape(pairs, columns, -1), recon.reshape(pairs, columns, -1)], dim=1)  # (pairs, 2, C, P)
    traversal = latent_traversal(model, x_test, steps=steps, span=span)
    i, j = traversal.dimensions
    pictures = [
        ("samples", tile(samples.reshape(grid, grid, -1), image_shape), {},
         f"the decoder's means (Bernoulli means) of {grid * grid} draws z ~ p(z), seed {seed}"),
        ("reconstructions", tile(rows.reshape(2 * pairs, columns, -1), image_shape, pair_rows=True), {},
         f"the first {pairs * columns} test images (binary; rows {', '.join(str(2 * p + 1) for p in range(pairs))}) "
         f"each above its reconstruction E[x | z = mu(x)]"),
        ("traversal", tile(traversal.images, image_shape), {"dimensions": [i, j], "offsets": list(traversal.offsets)},
         f"the two most active latent dimensions, number {i + 1} of {model.latent_dim} down the rows and number "
         f"{j + 1} across the columns, each from "
         f"{-span:g} to {span:g} times its spread over the test images around their average code, the other "
         f"{model.latent_dim - 2} held there; decoder means"),
    ]
    entries = []
    for kind, canvas, extra, shows in pictures:
        name = f"{stem}_{kind}.png"
        save_png(folder / name, canvas)
        entries.append({"file": name, "kind": kind, "shows": shows, "shape": list(canvas.shape), **extra})
    return entries


def missing_pictures_note(command: str, runs: list[str] = (), files: list[str] = ()) -> str:
    """The page's note where pictures are not there (of the runs named in ``runs``, or the ``files`` listed
    but missing): what they would show and the ``command`` that makes them."""
    which = f" of {', '.join(runs)}" if runs else ""
    gone = f" Listed but missing beside the results file: {', '.join(files)}." if files else ""
    return (f"<p><strong>No pictures yet{html.escape(which)}.</strong> The sample grids, reconstructions and latent "
            f"traversals of the models are written by the reproduction script beside its results file; the "
            f"book's build trains nothing.{html.escape(gone)} Make them with "
            f"<code style='color: inherit'>{html.escape(command)}</code> "
            f"(it retrains the recorded runs with their seeds and checks that each reaches the recorded test "
            f"ELBO).</p>")


def pictures_html(results: dict, folder: str | Path, kinds=KINDS, *, scale: int = 2,
                  command: str = "python benchmarks/reproduce_iwae.py --images-only") -> str:
    """HTML figures of the pictures of ``kinds`` listed in ``results`` (a reproduce_iwae results file, read by
    :func:`~vaecourse.studies.iwae_reproduction.load_results`) whose file is in ``folder``, by kind and then in
    the order of the runs, each with alt text and a caption naming the model, its passes and its test NLL;
    embedded, so the page needs no copy of the files, and shown ``scale`` times their size, pixels kept sharp.
    Captions and notes take the text colour of the output block (the theme's muted caption grey is
    illegible on the light block that dark mode gives HTML outputs).
    Where no run lists pictures of these kinds, or a listed file is missing, a note says how to make them."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"kinds must be among {KINDS}, got {sorted(unknown)}")
    folder = Path(folder)
    evaluation = results["evaluation"]
    figures, missing = [], []
    listed = [(run, entry) for kind in kinds for run in results["runs"] for entry in run.get("images", [])
              if entry["kind"] == kind]
    for run, entry in listed:
        path = folder / entry["file"]
        if not path.is_file():
            missing.append(entry["file"])
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        height, width = entry["shape"]
        about = (f"{run['name']} after {run['passes']} passes on {results['dataset']}, test NLL "
                 f"{run['test_nll']:.2f} nats (k = {evaluation['k']}, {evaluation['images']} test images)")
        alt = f"{entry['kind']} of the {about}: {entry['shows']}"
        figures.append(
            f'<figure style="margin: 1em 0">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" width="{scale * width}" '
            f'style="max-width: 100%; height: auto; image-rendering: pixelated">'
            f'<figcaption style="color: inherit"><strong>{html.escape(run["name"])}, {entry["kind"]}</strong> — '
            f'{html.escape(about)}. '
            f'{html.escape(entry["shows"][0].upper() + entry["shows"][1:])}.</figcaption></figure>')
    without = [run for run in results["runs"] if not any(entry["kind"] in kinds for entry in run.get("images", []))]
    if without or missing:
        settings = " ".join(f"{run['method'].lower()}-k{run['k']}" for run in without
                            if len(without) < len(results["runs"]))  # all of them: no --settings needed
        figures.append(missing_pictures_note(command + (f" --settings {settings}" if settings else ""),
                                             [run["name"] for run in without], missing))
    return "\n".join(figures)
