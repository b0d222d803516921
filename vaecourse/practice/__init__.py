"""Deliberate practice: fresh, seeded problem variants per session skill, and the entry diagnostic.

In a notebook::

    from vaecourse.practice import practise
    variant = practise("s4")        # a fresh medium variant of a Session 4 skill, printed
    variant.check(3.125)            # graded by the course's checker: named mistakes, streak, progress
    variant.show_solution()         # the worked solution (the variant then no longer counts)

Instructors and tests use :func:`draw_variant` (a pure function of skill, level and seed),
:func:`skills_for_session` and a variant's ``answer``, ``worked_solution`` and ``features``.
"""

from .session import answer_variant, practise
from .variant import LEVELS, OneOf, Range, Skill, Variant, all_skills, draw_variant, features_out_of_range, get_skill
from .variant import skills_for_session, variant_from_inputs

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
