"""The outcome of one check: a status, points, the named mistake if any, and the feedback text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .sections import section_reference

PASSED = "passed"
FAILED = "failed"  # ran, but the answer is wrong (possibly a named mistake, possibly partial credit)
ERROR = "error"  # the answer raised, crashed its process, or printed far too much
TIMEOUT = "timeout"  # the answer did not finish within the time limit
NOT_ATTEMPTED = "not_attempted"  # the stub is untouched: None, or NotImplementedError
STATUSES = (PASSED, FAILED, ERROR, TIMEOUT, NOT_ATTEMPTED)

_SYMBOL = {PASSED: "[pass]", FAILED: "[fail]", ERROR: "[error]", TIMEOUT: "[timeout]", NOT_ATTEMPTED: "[todo]"}


@dataclass(frozen=True)
class CheckResult:
    """What :func:`~vaecourse.grading.check` found.

    Attributes:
        exercise_id: the exercise checked, e.g. ``"gaussian_kl"``.
        status: one of ``passed``, ``failed``, ``error``, ``timeout``, ``not_attempted``.
        score: points earned, ``0 <= score <= max_score``.
        max_score: the exercise's points.
        feedback: the text shown to the learner (never the reference solution or hidden values).
        mistake: the catalogue name of the recognised mistake (e.g. ``"kl_missing_half"``) or None.
        review: book section labels worth re-reading, most relevant first.
        session: the session key, e.g. ``"s4"``.
    """

    exercise_id: str
    status: str
    score: float
    max_score: float
    feedback: str
    mistake: str | None = None
    review: tuple[str, ...] = field(default_factory=tuple)
    session: str = ""

    def __post_init__(self):
        assert self.status in STATUSES, self.status
        assert 0.0 <= self.score <= self.max_score, (self.score, self.max_score)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), including ``passed``; :meth:`from_dict` reverses it."""
        data = asdict(self)
        data["review"] = list(self.review)
        data["passed"] = self.passed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CheckResult":
        fields = {k: data[k] for k in ("exercise_id", "status", "score", "max_score", "feedback")}
        return cls(
            **fields,
            mistake=data.get("mistake"),
            review=tuple(data.get("review", ())),
            session=data.get("session", ""),
        )

    def __str__(self) -> str:
        return self.feedback

    def __repr__(self) -> str:
        extra = f", mistake={self.mistake!r}" if self.mistake else ""
        return (
            f"CheckResult({self.exercise_id!r}, status={self.status!r}, score={self.score:g}/{self.max_score:g}{extra})"
        )


def compose_feedback(
    exercise_id: str,
    title: str,
    status: str,
    score: float,
    max_score: float,
    message: str,
    review: tuple[str, ...] = (),
) -> str:
    """The learner-facing text: a header line, the message, and where to read more."""
    header = f"{_SYMBOL[status]} {exercise_id} ({title}): {score:g} / {max_score:g} points"
    lines = [header, *("    " + line if line else "" for line in message.strip().splitlines())]
    for label in review:
        lines.append(f"    Review: {section_reference(label)}")
    return "\n".join(lines)


def make_result(
    exercise,
    status: str,
    message: str,
    *,
    credit: float = 0.0,
    mistake: str | None = None,
    review: tuple[str, ...] = (),
) -> CheckResult:
    """Build a :class:`CheckResult` for ``exercise`` with ``credit`` (a fraction) of its points."""
    points = float(exercise.points)
    score = points if status == PASSED else round(points * max(0.0, min(1.0, credit)), 6)
    feedback = compose_feedback(exercise.id, exercise.title, status, score, points, message, review)
    return CheckResult(
        exercise_id=exercise.id,
        status=status,
        score=score,
        max_score=points,
        feedback=feedback,
        mistake=mistake,
        review=tuple(review),
        session=exercise.session,
    )
