r"""A step-through player built from one drawing function: a kernel-free HTML player for the book, ipywidgets live.

A figure is a drawing function ``draw(fig, **params)`` that draws one frame on an empty
:class:`matplotlib.figure.Figure`, and a list of frames, each a dict of ``params``:

.. math:: \text{frame}_i = \mathrm{draw}(\text{fig}, \text{params}_i), \qquad i = 0, \dots, n-1

:class:`Player` turns that pair into

* ``_repr_html_``: matplotlib's ``to_jshtml`` player (slider, first/previous/play/pause/next/last
  frame, slower/faster, once/loop/reflect), every frame embedded as a PNG, so a static page works
  with no kernel and no network (the Font Awesome icons it would fetch from a CDN are replaced by
  inline SVG);
* :meth:`Player.widget`: an ipywidgets version (play button, frame slider and, optionally, free
  sliders for each parameter) for readers running the notebook.

Figures are plain :class:`~matplotlib.figure.Figure` objects, never registered with pyplot, so no
figure is left open and the inline backend never prints a stray copy.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

DrawFunction = Callable[..., None]
"""``draw(fig, **params)`` draws one frame on an empty figure; it must not call pyplot."""

_FONT_AWESOME_LINK = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*"\s*>\s*')
_FONT_AWESOME_ICON = re.compile(r'<i class="fa ([^"]+)"></i>')
_FRAME_ASSIGNMENT = re.compile(r"frames\[\d+\] = ")

# 16x16 inline SVG shapes for the player's buttons, keyed by the Font Awesome classes they replace.
_ICON_SHAPES = {
    "fa-minus": '<rect x="2" y="7" width="12" height="2"/>',
    "fa-plus": '<rect x="2" y="7" width="12" height="2"/><rect x="7" y="2" width="2" height="12"/>',
    "fa-play": '<polygon points="4,2 14,8 4,14"/>',
    "fa-play fa-flip-horizontal": '<polygon points="12,2 2,8 12,14"/>',
    "fa-pause": '<rect x="3" y="2" width="4" height="12"/><rect x="9" y="2" width="4" height="12"/>',
    "fa-step-forward": '<polygon points="3,2 11,8 3,14"/><rect x="11" y="2" width="2" height="12"/>',
    "fa-step-backward": '<rect x="3" y="2" width="2" height="12"/><polygon points="13,2 5,8 13,14"/>',
    "fa-fast-forward": '<polygon points="1,2 7,8 1,14"/><polygon points="7,2 13,8 7,14"/>'
    '<rect x="13" y="2" width="2" height="12"/>',
    "fa-fast-backward": '<rect x="1" y="2" width="2" height="12"/><polygon points="9,2 3,8 9,14"/>'
    '<polygon points="15,2 9,8 15,14"/>',
}


def _svg_icon(match: re.Match) -> str:
    shape = _ICON_SHAPES.get(match.group(1))
    if shape is None:  # an icon this matplotlib version added: keep its tooltip text as the label
        return "&#9679;"
    return f'<svg width="12" height="12" viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">{shape}</svg>'


def offline_jshtml(html: str) -> str:
    """Make matplotlib's jshtml self-contained: drop the Font Awesome CDN link, draw the icons inline."""
    return _FONT_AWESOME_ICON.sub(_svg_icon, _FONT_AWESOME_LINK.sub("", html))


def count_frames(html: str) -> int:
    """Number of frames embedded in a jshtml player (``frames[i] = "data:..."`` assignments)."""
    return len(_FRAME_ASSIGNMENT.findall(html))


@dataclass
class Player:
    """Frames of one drawing function, shown as a kernel-free HTML player or a live ipywidgets panel.

    Args:
        draw: ``draw(fig, **params)``, draws one frame on an empty figure.
        frames: the frames, each a mapping of keyword arguments for ``draw`` (at least one).
        figsize: figure size in inches; with ``dpi`` it fixes each frame's pixel size.
        dpi: resolution of the embedded PNGs; 80 keeps a 16-frame player near 0.45 MB.
        interval_ms: delay between frames when playing.
        controls: optional ``{name: (low, high, step)}``; the live widget then gets a free slider
            for each named parameter, so a reader can leave the precomputed path.
        frame_label: the frame slider's label in the widget.
        data: optional data behind the frames (e.g. precomputed estimates), kept for text and tests.

    Raises:
        ValueError / TypeError: an empty frame list, a frame that is not a mapping, a non-positive
            size, or a control whose range is empty.
    """

    draw: DrawFunction
    frames: Sequence[Mapping[str, Any]]
    figsize: tuple[float, float] = (6.4, 2.6)
    dpi: int = 80
    interval_ms: int = 400
    controls: Mapping[str, tuple[float, float, float]] | None = None
    frame_label: str = "frame"
    data: Any = None
    _png_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _html_cache: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not callable(self.draw):
            raise TypeError(f"draw must be callable as draw(fig, **params), got a {type(self.draw).__name__}")
        self.frames = list(self.frames)
        if not self.frames:
            raise ValueError("frames must hold at least one frame (a dict of draw's keyword arguments), got none")
        for index, frame in enumerate(self.frames):
            if not isinstance(frame, Mapping):
                raise TypeError(f"frames[{index}] must be a mapping of draw's keyword arguments, got a {type(frame).__name__}")
        width, height = self.figsize
        if not (width > 0 and height > 0 and math.isfinite(width * height)):
            raise ValueError(f"figsize must be two finite sizes > 0 in inches, got {self.figsize}")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int) or self.dpi < 10:
            raise ValueError(f"dpi must be an int >= 10, got {self.dpi!r}")
        for name, (low, high, step) in (self.controls or {}).items():
            if not (low < high and step > 0):
                raise ValueError(f"controls[{name!r}] must be (low, high, step) with low < high and step > 0, got {(low, high, step)}")

    def __len__(self) -> int:
        return len(self.frames)

    def figure(self, index: int = 0, **overrides) -> Figure:
        """A new figure showing frame ``index``, with any parameter replaced by ``overrides``."""
        fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        self.draw(fig, **{**self.frames[index], **overrides})
        return fig

    def png(self, index: int = 0, **overrides) -> bytes:
        """Frame ``index`` as PNG bytes (frames without overrides are cached)."""
        key = (index, tuple(sorted(overrides.items())))
        if key not in self._png_cache:
            buffer = io.BytesIO()
            self.figure(index, **overrides).savefig(buffer, format="png", dpi=self.dpi)
            if overrides:
                return buffer.getvalue()
            self._png_cache[key] = buffer.getvalue()
        return self._png_cache[key]

    def to_html(self) -> str:
        """The kernel-free player: every frame embedded, controls included, no network needed."""
        if self._html_cache is None:
            fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")

            def update(index):
                fig.clear()
                self.draw(fig, **self.frames[index])
                return []

            animation = FuncAnimation(fig, update, frames=len(self.frames), interval=self.interval_ms, repeat=False)
            html = offline_jshtml(animation.to_jshtml(default_mode="once"))
            assert count_frames(html) == len(self.frames), "jshtml dropped frames"
            self._html_cache = f'<div class="vaecourse-player" data-frames="{len(self.frames)}">{html}</div>'
        return self._html_cache

    def _repr_html_(self) -> str:
        return self.to_html()

    def widget(self):
        """The live version for a running kernel: play button, frame slider and any free controls."""
        import ipywidgets as widgets

        last = len(self.frames) - 1
        play = widgets.Play(min=0, max=last, step=1, value=0, interval=self.interval_ms, description="Play")
        slider = widgets.IntSlider(min=0, max=last, value=0, description=self.frame_label, continuous_update=True)
        widgets.jslink((play, "value"), (slider, "value"))
        image = widgets.Image(value=self.png(0), format="png")
        free = {
            name: widgets.FloatSlider(min=low, max=high, step=step, value=float(self.frames[0].get(name, low)),
                                      description=name, continuous_update=False)
            for name, (low, high, step) in (self.controls or {}).items()
        }
        syncing = [False]  # True while the frame slider moves the free sliders: draw once, not per slider

        def show_frame(_change=None):
            syncing[0] = True
            for name, control in free.items():
                if name in self.frames[slider.value]:
                    control.value = float(self.frames[slider.value][name])
            syncing[0] = False
            image.value = self.png(slider.value)

        def show_controls(_change=None):
            if not syncing[0]:
                image.value = self.png(slider.value, **{name: control.value for name, control in free.items()})

        slider.observe(show_frame, names="value")
        for control in free.values():
            control.observe(show_controls, names="value")
        rows = [widgets.HBox([play, slider])]
        if free:
            rows.append(widgets.HBox(list(free.values())))
        box = widgets.VBox([*rows, image])
        box.play, box.slider, box.image, box.controls = play, slider, image, free  # handles for tests and readers
        return box

    def __repr__(self) -> str:
        return f"Player({len(self.frames)} frames of {getattr(self.draw, '__name__', 'draw')}, {self.figsize} in at {self.dpi} dpi)"
