"""Extension: the staff API (status, notes, reassignment, duplicates) and mySociety's servicerequestupdates."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from ..db import get_session
from ..logic.citizen_updates import PostedUpdate, receive_update
from ..logic.history import changes_since, staff_history, updates_feed
from ..logic.workflow import StaffChange, apply_staff_change, authorize_staff_change, find_request
from .args import JurisdictionArgs, MediaUrl, W3CDateTime
from .blueprint import FORMAT_PARAMETER, also_xml, geo_report
from .catalog import current_jurisdiction
from .keys import KEYED, authenticated
from .rendering import respond
from .requests import store_and_commit, take_upload
from .schemas import PostedUpdateSchema, ServiceRequestUpdateSchema, StaffUpdateSchema


class StaffKeyArgs(JurisdictionArgs):
    """A staff key (query string)."""

    api_key = fields.String(
        metadata={"description": "A staff key (better sent as X-API-Key or Authorization: Bearer, out of the URL)."}
    )


class StaffChangeArgs(StaffKeyArgs):
    """One change of a request by staff (form; multipart with a ``media`` image also works)."""

    detailed_status = fields.String(metadata={"description": "New detailed status (reopened to reopen)."})
    note = fields.String(validate=validate.Length(max=4000), metadata={"description": "Shown as status_notes."})
    department = fields.String(metadata={"description": "Department code to reassign the request to."})
    area = fields.String(metadata={"description": "Area code (or layer:code) to move the request to; routed again."})
    duplicate_of = fields.String(metadata={"description": "service_request_id of the original: closes as duplicate."})
    media_url = MediaUrl()


class UpdatesFeedArgs(JurisdictionArgs):
    """mySociety's GET servicerequestupdates."""

    start_date = W3CDateTime()
    end_date = W3CDateTime()
    api_key = fields.String(metadata={"description": "Accepted and ignored (FixMyStreet sends it)."})


class PostedUpdateArgs(JurisdictionArgs):
    """mySociety's POST servicerequestupdates, with everything FixMyStreet sends."""

    api_key = fields.String(metadata={"description": "Or the X-API-Key or Authorization: Bearer header."})
    service_request_id = fields.String(required=True)
    update_id = fields.String(required=True, validate=validate.Length(max=100))
    status = fields.String(required=True, metadata={"description": "Upper case: OPEN, FIXED, CLOSED, REOPEN, ..."})
    updated_datetime = W3CDateTime(required=True)
    description = fields.String(validate=validate.Length(max=4000))
    media_url = fields.List(MediaUrl(), metadata={"description": "A photo; may be given several times."})
    service_code = fields.String(metadata={"description": "Accepted; the request's own service is kept."})
    # Personal data: stored apart, never returned.
    email = fields.Email(validate=validate.Length(max=320))
    first_name = fields.String(validate=validate.Length(max=200))
    last_name = fields.String(validate=validate.Length(max=200))
    title = fields.String(validate=validate.Length(max=50))
    phone = fields.String(validate=validate.Length(max=50))
    account_id = fields.String(validate=validate.Length(max=200))
    email_alerts_requested = fields.Boolean(metadata={"description": "TRUE or FALSE (stored with the contact)."})
    public_anonymity_required = fields.Boolean(metadata={"description": "TRUE or FALSE (stored with the contact)."})


CONTACT_FIELDS = (
    "email", "first_name", "last_name", "title", "phone", "account_id", "email_alerts_requested",
    "public_anonymity_required",
)  # fmt: skip


@geo_report.route("/requests/<service_request_id>/updates.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class RequestHistory(MethodView):
    """Extension: a request's history, and staff changes to it."""

    @geo_report.arguments(StaffKeyArgs(), location="query")
    @geo_report.doc(security=KEYED)
    @also_xml(200)
    @geo_report.response(200, StaffUpdateSchema(many=True))
    def get(self, args, service_request_id, fmt):
        """Every change of the request, with the key that made it (staff keys only)."""
        session = get_session()
        jurisdiction = current_jurisdiction(args)
        key = authenticated(session, args, jurisdiction)
        target = find_request(session, jurisdiction.id, service_request_id)
        return respond(fmt, "service_request_updates", staff_history(session, jurisdiction, key, target))

    @geo_report.arguments(StaffChangeArgs(), location="form", content_type="application/x-www-form-urlencoded")
    @geo_report.doc(security=KEYED)
    @also_xml(200)
    @geo_report.response(200, StaffUpdateSchema(many=True))
    def post(self, args, service_request_id, fmt):
        """Change status (with a note), reassign, merge as a duplicate, reopen or attach media (staff keys)."""
        session = get_session()
        jurisdiction = current_jurisdiction(args)
        key = authenticated(session, args, jurisdiction)
        target = find_request(session, jurisdiction.id, service_request_id, lock=True)
        change = StaffChange(**{name: args.get(name) for name in StaffChange.__dataclass_fields__})
        authorize_staff_change(key, target, change)  # before reading an upload
        upload = take_upload(args)
        change.media_url = args.get("media_url")
        first_update = apply_staff_change(session, key, target, change)
        created = changes_since(session, jurisdiction, target.id, first_update.id)
        store_and_commit(session, upload)
        return respond(fmt, "service_request_updates", created)


@geo_report.route("/servicerequestupdates.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class ServiceRequestUpdates(MethodView):
    """Extension (mySociety, FixMyStreet): updates pulled by apps and pushed by them."""

    @geo_report.arguments(UpdatesFeedArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceRequestUpdateSchema(many=True))
    def get(self, args, fmt):
        """Changes made between start_date and end_date (default: the last 90 days), oldest first."""
        from sqlalchemy import func, select

        session = get_session()
        jurisdiction = current_jurisdiction(args)
        now = session.scalar(select(func.now()))
        feed = updates_feed(session, jurisdiction, args.get("start_date"), args.get("end_date"), now)
        return respond(fmt, "service_request_updates", feed)

    @geo_report.arguments(PostedUpdateArgs(), location="form", content_type="application/x-www-form-urlencoded")
    @geo_report.doc(security=KEYED)
    @also_xml(200)
    @geo_report.response(200, PostedUpdateSchema(many=True))
    def post(self, args, fmt):
        """A citizen's (or department's) update: applied once per update_id."""
        session = get_session()
        jurisdiction = current_jurisdiction(args)
        key = authenticated(session, args, jurisdiction)
        contact = {name: args[name] for name in CONTACT_FIELDS if args.get(name) is not None} or None
        posted = PostedUpdate(
            service_request_id=args["service_request_id"], update_id=args["update_id"], status=args["status"],
            description=args.get("description"), media_urls=args.get("media_url", []), contact=contact,
        )  # fmt: skip
        result = receive_update(session, jurisdiction, key, posted)
        session.commit()
        return respond(fmt, "service_request_updates", [result])
