"""The API's request and response schemas (marshmallow): the OpenAPI document is built from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

CAMERA = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# No control characters (web.inputs refuses them in every query).
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$")
LIMIT_MAX = 200
OFFSET_MAX = 100_000
REPORT_DAYS_MAX = 92


class ArrivalQuery(Schema):
    """Filters of the arrivals list; a day is a calendar day in the configured time zone."""

    date = fields.Date(metadata={"description": "only arrivals first seen on this day"})
    camera = fields.String(validate=CAMERA, metadata={"description": "camera name"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, LIMIT_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, OFFSET_MAX))


class GuestQuery(Schema):
    """Filters of the guest list."""

    q = fields.String(
        validate=[validate.Length(1, 60), PRINTABLE], metadata={"description": "name contains"}
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, LIMIT_MAX))


class ReportQuery(Schema):
    """The report's period: `days` calendar days from `since` (local calendar days)."""

    since = fields.Date(required=True)
    days = fields.Integer(load_default=1, validate=validate.Range(1, REPORT_DAYS_MAX))


class Arrival(Schema):
    """One arrival (a visit as first recorded by a camera)."""

    id = fields.Integer(required=True)
    camera = fields.String(required=True)
    guest_id = fields.Integer(allow_none=True, required=True)
    guest_name = fields.String(allow_none=True, required=True)
    first_seen = fields.DateTime(required=True)
    last_seen = fields.DateTime(required=True)
    waiting_room_at = fields.DateTime(allow_none=True)
    status = fields.String(required=True)
    sightings = fields.Integer(required=True)
    best_distance = fields.Float(allow_none=True)
    outside_hours = fields.Boolean(required=True)
    snapshot_url = fields.String(allow_none=True, metadata={"description": "null if not allowed"})


class ArrivalList(Schema):
    """A page of arrivals, newest first, and how many match."""

    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(Arrival), required=True)


class TimelineStep(Schema):
    """One step of a visit: seen, checked in, decided, escorted, left."""

    at = fields.DateTime(required=True)
    kind = fields.String(required=True)
    by = fields.String(allow_none=True)
    on_behalf = fields.Boolean()
    detail = fields.Raw(allow_none=True, metadata={"description": "step details"})


class Visit(Schema):
    """An arrival with its whole timeline."""

    arrival = fields.Nested(Arrival, required=True)
    unknown_face_status = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineStep), required=True)


class Guest(Schema):
    """An enrolled guest: never encodings; photos as URLs only when the role may see faces."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    institution = fields.String(allow_none=True)
    is_staff = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    photo_urls = fields.List(fields.String(), required=True)


class GuestList(Schema):
    """Guests, by name."""

    items = fields.List(fields.Nested(Guest), required=True)


class Report(Schema):
    """Figures of a period."""

    since = fields.Date(required=True)
    days = fields.Integer(required=True)
    arrivals = fields.Integer(required=True)
    recognised = fields.Integer(required=True)
    strangers = fields.Integer(required=True, metadata={"description": "arrivals not recognised"})
    outside_hours = fields.Integer(required=True)
    by_camera = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ApiError(Schema):
    """Every error: the HTTP code, its name, a message and, for bad input, the fields."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict()


class AppointmentQuery(Schema):
    """Filters of the appointment list."""

    date = fields.Date(metadata={"description": "first local day (default: today)"})
    days = fields.Integer(load_default=1, validate=validate.Range(1, REPORT_DAYS_MAX))


class AppointmentCreate(Schema):
    """A new expected guest (janji temu); times are ISO 8601, local time when without offset."""

    name = fields.String(required=True, validate=validate.Length(1, 120))
    at = fields.String(required=True, validate=validate.Length(1, 40))
    until = fields.String(validate=validate.Length(1, 40))
    purpose = fields.String(validate=validate.Length(max=500))
    host = fields.String(validate=validate.Length(max=120))


class Appointment(Schema):
    """An expected guest and what became of the appointment."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    at = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    purpose = fields.String(allow_none=True)
    host = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "expected, arrived, ..."})
    arrival_id = fields.Integer(allow_none=True)
    guest_id = fields.Integer(allow_none=True)


class AppointmentList(Schema):
    """Appointments whose window starts in the asked days, in time order."""

    items = fields.List(fields.Nested(Appointment), required=True)
