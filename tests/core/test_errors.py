import pytest

from core.errors import LABELS, MESSAGES, ErrorCode, Field, InvalidFields, Record, WorkflowError
from core.events import EVENT_TYPES
from core.vocab import EventName, Role, values


def test_every_code_has_a_message_and_every_label_target_a_label():
    assert set(MESSAGES) == set(ErrorCode)
    assert set(LABELS) == set(Field) | set(Record)


def test_the_message_is_indonesian_with_labels_for_fields_and_records():
    error = WorkflowError(ErrorCode.NOT_FOUND, record=Record.ARRIVAL, id=7)
    assert str(error) == "Kedatangan #7 tidak ditemukan."
    assert (error.code, error.params) == ("not_found", {"record": "arrival", "id": 7})
    too_long = WorkflowError(ErrorCode.TOO_LONG, field=Field.NAME, max=120)
    assert str(too_long) == "Nama terlalu panjang (maksimal 120 karakter)."


def test_translation_goes_through_one_function_for_message_and_labels():
    table = {"%(field)s wajib diisi.": "%(field)s is required.", "Keperluan": "Purpose"}
    error = WorkflowError(ErrorCode.REQUIRED, field=Field.PURPOSE)
    assert error.text(lambda text: table.get(text, text)) == "Purpose is required."
    assert str(error) == "Keperluan wajib diisi."


def test_a_plain_text_parameter_equal_to_a_field_name_stays_as_it_is():
    error = WorkflowError(ErrorCode.UNKNOWN_ACTION, action="name")
    assert str(error) == "Tindakan tidak dikenal: name."


def test_invalid_fields_keeps_each_problem():
    problems = {Field.NAME: WorkflowError(ErrorCode.REQUIRED, field=Field.NAME)}
    error = InvalidFields(problems)
    assert error.code == ErrorCode.INVALID_FIELDS and error.problems == problems
    assert str(error) == "Nama wajib diisi."
    with pytest.raises(WorkflowError):
        raise error


def test_vocabulary_values_and_event_names():
    assert values(Role) == ("bupati", "adjutant", "guard", "operator", "security", "admin")
    assert set(EVENT_TYPES) == set(EventName)
    assert all(cls.name in EventName for cls in EVENT_TYPES.values())
