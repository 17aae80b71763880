"""Refused workflow steps in the user's language, through the one table in `core.errors`.

Storage and core raise `WorkflowError(code, **params)`; its Indonesian text is the msgid, so
`web/translations` holds the English. Views show `workflow_message(exc)`, never `str(exc)`.
"""

from __future__ import annotations

from flask_babel import gettext

from core.errors import InvalidFields, WorkflowError


def workflow_message(exc: WorkflowError) -> str:
    """The refusal in the request's language."""
    return exc.text(gettext)


def field_messages(exc: WorkflowError) -> dict[str, list[str]]:
    """Form field name → its problem, in the request's language (empty for other refusals)."""
    if not isinstance(exc, InvalidFields):
        return {}
    return {field.value: [problem.text(gettext)] for field, problem in exc.problems.items()}
