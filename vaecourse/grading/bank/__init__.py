"""The exercise bank: one module per session holding its exercises, hidden references and mistakes.

Importing a module registers its exercises (see :func:`vaecourse.grading.exercise.register`).
Everything here is hidden from learners' feedback; the checker shows only names and explanations.
"""
