"""User-supplied text cannot forge log lines; control characters are refused as input."""

from __future__ import annotations

import io
import logging

import pytest

from core.errors import ErrorCode, Field, InvalidFields, WorkflowError
from core.logs import SafeFormatter, escape_controls
from core.text import has_control
from core.workflow import clean_text, validate_decision, validate_guestbook
from tamu.context import LOG_FORMAT, setup_logging


def emit(message: str, *args: object, exc: BaseException | None = None) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tests.forging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        if exc is None:
            logger.warning(message, *args)
        else:
            try:
                raise exc
            except type(exc):
                logger.exception(message, *args)
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        "guard1\nINFO web.auth: admin (admin) logged in",
        "guard1\r\nINFO forged",
        "x\x1b[2K\rINFO cleared line",
        "x\u2028INFO forged",
        "x\u202eevil",
        "x\x00y",
    ],
)
def test_a_forged_line_stays_inside_its_record(name):
    text = emit("login failed for %s from %s", name, "10.0.0.1")
    assert text.count("\n") == 1 and text.endswith("\n")
    assert (
        text == f"WARNING tests.forging: login failed for {escape_controls(name)} from 10.0.0.1\n"
    )
    assert "\r" not in text and "\x1b" not in text and "\u2028" not in text


def test_tracebacks_keep_their_lines_after_an_escaped_message():
    text = emit("failed for %s", "a\nb", exc=ValueError("boom"))
    first, *rest = text.splitlines()
    assert first == "ERROR tests.forging: failed for a\\x0ab"
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "ValueError: boom"


def test_escape_controls_leaves_ordinary_text_alone():
    assert escape_controls("Siti Aminah — Dinas Kominfo, ruang tunggu 2") == (
        "Siti Aminah — Dinas Kominfo, ruang tunggu 2"
    )
    assert escape_controls("a\tb\nc\x7f") == "a\\x09b\\x0ac\\x7f"


def test_the_tamu_command_logs_through_the_safe_formatter():
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    try:
        setup_logging(verbose=False)
        (handler,) = root.handlers
        assert isinstance(handler.formatter, SafeFormatter)
        assert handler.formatter._fmt == LOG_FORMAT
    finally:
        root.handlers = saved


@pytest.mark.parametrize(
    ("text", "multiline", "found"),
    [
        ("Budi Santoso", False, False),
        ("a\nb", False, True),
        ("a\nb\r\n\tc", True, False),
        ("a\x00b", True, True),
        ("a\x1bb", True, True),
        ("a\u2029b", True, True),
        ("Dinas\u200dKominfo", False, False),  # a joiner is text, not a control
    ],
)
def test_has_control(text, multiline, found):
    assert has_control(text, multiline=multiline) is found


def test_workflow_text_refuses_control_characters_with_a_code():
    with pytest.raises(WorkflowError) as err:
        clean_text("Budi\x00", Field.NAME, 120, required=True)
    assert err.value.code is ErrorCode.CONTROL_CHARS
    assert str(err.value) == "Nama berisi karakter kontrol yang tidak diizinkan."
    with pytest.raises(InvalidFields) as many:
        validate_guestbook(name="Siti\nINFO x", category="masyarakat", purpose="ok\x1b")
    assert set(many.value.problems) == {Field.NAME, Field.PURPOSE}
    ok = validate_guestbook(name="Siti", category="masyarakat", purpose="baris satu\nbaris dua")
    assert ok.purpose == "baris satu\nbaris dua"
    assert validate_decision("wait", "bupati", note="catatan\r\npanjang").note == (
        "catatan\r\npanjang"
    )
    with pytest.raises(WorkflowError):
        validate_decision("delegate", "bupati", delegate_to="Sekda\nINFO")
