"""The exercise bank: one module per session listing its exercises, hidden references and mistakes in ``EXERCISES``; it may import :mod:`vaecourse.core` and the rest of :mod:`vaecourse.grading`.

A module also lists, in ``PRACTICE_MISTAKES``, the catalogue's entries that only a practice skill
of its topic meets (:mod:`vaecourse.grading.mistakes` gathers both). Only
:mod:`vaecourse.grading.registry` imports these modules (on the first lookup); a bank module
imports what an exercise is made of (:mod:`~vaecourse.grading.exercise`,
:mod:`~vaecourse.grading.observe`) and never the registry. Everything here is hidden from learners'
feedback; the checker shows only names and explanations.
"""
