"""How feedback is shown: the plain text everywhere, and in a notebook the same text with its review pointers as links.

A notebook gets a MIME bundle whose ``text/plain`` is exactly the feedback text (what terminals, graded
CSV and feedback files keep) and whose ``text/html`` is that text, HTML-escaped line by line (feedback
quotes learner-controlled values: nothing in it is ever rendered as markup), in which each
pointer to a cited section (``Review: ...``) becomes a link to the section (:func:`.links.section_href`), or
says to run ``make book`` when the book is neither built nor published: never a dead link.
"""

from __future__ import annotations

import html
import sys

from .links import section_href
from .sections import SECTION_TOPICS, section_reference, session_of_label


def _review_html(label: str, cwd=None) -> str:
    session = session_of_label(label)
    title = f"Session {session.number}, section {label} ({SECTION_TOPICS[label]})"
    href = section_href(label, cwd)
    if href is None:
        return (
            f"{html.escape(title)}: the book is not built yet; run <code>make book</code>, "
            "then check again for a link to this section"
        )
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(title)}</a>'


def feedback_html(text: str, review: tuple[str, ...] = (), cwd=None) -> str:
    """``text`` as HTML (escaped, in a ``<pre>``); each line ending in the pointer to a section of ``review``
    (``Review: Session 4, section ...: URL``, or a gate's ``- Session 4, ...``) has the pointer made a link."""
    pointers = {section_reference(label): label for label in review}
    lines = []
    for line in text.splitlines():
        ref = next((ref for ref in pointers if line.endswith(ref)), None)
        if ref is None:
            lines.append(html.escape(line))
        else:
            lines.append(html.escape(line[: len(line) - len(ref)]) + _review_html(pointers[ref], cwd))
    body = "\n".join(lines)
    return f'<pre class="vaecourse-feedback" style="white-space: pre-wrap">{body}</pre>'


def feedback_bundle(text: str, review: tuple[str, ...] = (), cwd=None) -> dict[str, str]:
    """The MIME bundle of the feedback: ``text/plain`` is ``text`` itself, ``text/html`` has the links."""
    return {"text/plain": text, "text/html": feedback_html(text, review, cwd)}


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel attached), where HTML is rendered."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show_feedback(text: str, review: tuple[str, ...] = ()) -> None:
    """Print ``text``; in a notebook, display it with its review pointers as links (the plain text unchanged)."""
    if review and _in_kernel():
        from IPython.display import display

        display(feedback_bundle(text, review), raw=True)
    else:
        print(text)
