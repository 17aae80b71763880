from sqlalchemy import select

from core.events import ReceivingChanged
from storage.db import transaction
from storage.models import AuditLog
from storage.receiving import is_receiving, set_receiving
from tests.support.storage import user


def test_receiving_switch(factory, world):
    with factory() as s:
        assert is_receiving(s) is True
    with transaction(factory) as s:
        state, events = set_receiving(s, False, user(s, "bupati"))
    assert state is False and events == [ReceivingChanged(receiving=False, by="bupati")]
    with factory() as s:
        assert is_receiving(s) is False
    with transaction(factory) as s:
        set_receiving(s, True, user(s, "adjutant"))
    with factory() as s:
        assert is_receiving(s) is True
        logs = s.scalars(select(AuditLog).where(AuditLog.action == "set_receiving")).all()
        assert [(log.username, log.detail) for log in sorted(logs, key=lambda r: r.id)] == [
            ("bupati", '{"receiving": false}'),
            ("adjutant", '{"receiving": true}'),
        ]
