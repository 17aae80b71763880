"""The REST API's expected guests (janji temu): read them, and make one from another system."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.appointments import validate_appointment
from core.errors import WorkflowError
from storage import appointments
from storage.models_appointments import Appointment
from storage.types import utcnow
from web.api import schemas
from web.api.errors import fail
from web.api.views import QUERY, _local_days, bp, errors
from web.extensions import state
from web.messages import workflow_message
from web.work import unit_of_work


def _appointment(row: Appointment) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "at": row.at,
        "until": row.until,
        "purpose": row.purpose,
        "host": row.host,
        "status": row.status,
        "arrival_id": row.arrival_id,
        "guest_id": row.guest_id,
    }


@bp.get("/appointments")
@bp.arguments(schemas.AppointmentQuery, location="query", **QUERY)
@bp.response(200, schemas.AppointmentList)
@errors(400, 401, 403)
def list_appointments(args: dict[str, Any]) -> dict[str, Any]:
    """Appointments whose window starts in `days` local days from `date` (default today)."""
    config = state().config
    first = args.get("date") or utcnow().astimezone(config.tz).date()
    since, until = _local_days(first, args["days"])
    with state().sessions() as db:
        return {"items": [_appointment(a) for a in appointments.between(db, since, until)]}


@bp.post("/appointments")
@bp.arguments(schemas.AppointmentCreate, **QUERY)
@bp.response(201, schemas.Appointment)
@errors(400, 401, 403)
def create_appointment(body: dict[str, Any]) -> dict[str, Any]:
    """Expect a guest (as the adjutant's /janji/ form does; no photo through the API)."""
    config = state().config
    try:
        fields = validate_appointment(
            name=body.get("name"),
            at=body.get("at"),
            until=body.get("until"),
            purpose=body.get("purpose"),
            host=body.get("host"),
            length=timedelta(minutes=config.appointments.default_length_minutes),
            tz=config.tz,
        )
    except WorkflowError as exc:
        fail(400, workflow_message(exc))
    with unit_of_work() as uow:
        row = uow.collect(appointments.create(uow.session, None, fields))
        return _appointment(row)
