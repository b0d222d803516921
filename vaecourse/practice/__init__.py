"""Deliberate practice: fresh, seeded problem variants per session skill, and the entry diagnostic; it may import :mod:`vaecourse.core`, :mod:`vaecourse.data`, :mod:`vaecourse.models`, :mod:`vaecourse.training` and :mod:`vaecourse.grading`.

In a notebook::

    from vaecourse.practice import practise
    variant = practise("s4")        # a fresh medium variant of a Session 4 skill, printed
    variant.check(3.125)            # graded by the course's checker: named mistakes, streak, progress
    variant.hint()                  # the skill's hint
    variant.show_solution()         # the worked solution (the variant then no longer counts)

Displaying a variant never shows its answer. Instructors and tests use :func:`draw_variant` (a pure
function of skill, level and seed), :func:`skills_for_session`, a variant's ``features`` and
``variant.solution()`` (the answer; like ``show_solution()`` it stops the variant counting).

The modules, bottom to top: :mod:`.skill` (what a skill module is written in), the ``skills_*``
modules (one per topic, each listing its ``SKILLS``), :mod:`.registry` (imports them explicitly and
looks skills up), :mod:`.variant` (draws, checks and reveals a variant), :mod:`.session`
(``practise``); :mod:`.diagnostic` is the entry diagnostic.
"""

from .registry import all_skills, get_skill, skills_for_session
from .session import practise
from .skill import LEVELS, OneOf, Range, Skill
from .variant import Variant, answer_variant, draw_variant, features_out_of_range, variant_from_inputs

__all__ = [
    "LEVELS",
    "OneOf",
    "Range",
    "Skill",
    "Variant",
    "all_skills",
    "answer_variant",
    "draw_variant",
    "features_out_of_range",
    "get_skill",
    "practise",
    "skills_for_session",
    "variant_from_inputs",
]
