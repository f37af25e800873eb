"""Extension: GET statistics.{json,xml} — measures per area x service x department x status x period."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ...db import get_session
from ...logic.insight.statistics import StatisticsQuery, compute_statistics
from ..args import CommaList
from ..blueprint import FORMAT_PARAMETER, also_xml, geo_report
from ..cache import catalog_cache
from ..catalog import current_jurisdiction
from ..rendering import respond
from ..requests import request_filters
from .args import DayOrDateTime, InsightFilterArgs

HOURS = "Withheld (null) below min_sample."


class StatisticsArgs(InsightFilterArgs):
    """Extension: GET statistics."""

    group_by = CommaList(
        metadata={
            "description": "Extension: comma list of area:<layer code> (area: the most specific layer), service_code, "
            "group, agency_responsible, status, detailed_status, channel, and at most one period: day, week "
            "(from Monday), month or year, in the jurisdiction's time zone. None: one cell."
        },
    )
    start_date = DayOrDateTime(
        metadata={
            "description": "Extension: first day counted (a day, or a W3C datetime whose day in the jurisdiction's "
            "time zone is taken). Default: the first day of the month eleven months before end_date's. No "
            "90-day limit."
        }
    )
    end_date = DayOrDateTime(metadata={"description": "Extension: last day counted (at most today). Default: today."})
    min_sample = fields.Integer(
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "Extension: fewest closed requests for medians, p90 and percentages "
                  "(default: OPEN311_STATISTICS_MIN_SAMPLE, 10)."},
    )  # fmt: skip


class StatisticsCellSchema(Schema):
    """Extension: one cell of GET statistics: its keys (only those grouped by), then its measures.
    Definitions: docs/metrics.md."""

    area = fields.String(metadata={"description": "Area code (grouped by area)."})
    area_name = fields.String()
    layer = fields.String(metadata={"description": "Layer code of the area."})
    service_code = fields.String()
    service_name = fields.String()
    group = fields.String(allow_none=True, metadata={"description": "Service group."})
    agency_responsible = fields.String(allow_none=True, metadata={"description": "Department code (now)."})
    agency_name = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["open", "closed"], "description": "Status now."})
    detailed_status = fields.String(metadata={"description": "Detailed status now."})
    channel = fields.String(allow_none=True, metadata={"description": "How the requests came in."})
    period = fields.Date(metadata={"description": "First day of the period (cut by the window at its edges)."})
    opened = fields.Integer(
        required=True, metadata={"description": "Requests whose requested_datetime is in the period."}
    )
    closed = fields.Integer(
        required=True,
        metadata={"description": "Requests closed now whose closed_datetime (last closing) is in the period."},
    )
    backlog = fields.Integer(
        required=True,
        metadata={"description": "Requests open at the end of the period (for the period holding today: now)."},
    )
    overdue = fields.Integer(
        required=True,
        metadata={"description": "Backlog requests whose expected_datetime had passed at the end of the period (now)."},
    )
    closed_on_time_pct = fields.Float(
        allow_none=True,
        metadata={"description": "Of the requests closed in the period that had an expected_datetime, the percentage "
                  f"closed by it. {HOURS}"},
    )  # fmt: skip
    median_hours_to_close = fields.Float(
        allow_none=True,
        metadata={"description": "Median of closed_datetime - requested_datetime, in hours, over the requests closed "
                  f"in the period (within 1% + 1 minute of the exact percentile_cont). {HOURS}"},
    )  # fmt: skip
    p90_hours_to_close = fields.Float(allow_none=True, metadata={"description": f"90th percentile, likewise. {HOURS}"})
    median_hours_to_first_response = fields.Float(
        allow_none=True,
        metadata={"description": "Median of first_response_datetime (first change of detailed status) - "
                  "requested_datetime, in hours, over the requests first answered in the period. "
                  "Withheld below min_sample first responses."},
    )  # fmt: skip
    per_km2 = fields.Float(
        allow_none=True,
        metadata={"description": "Requests opened in the period per km² of the area (grouped by area)."},
    )
    withheld = fields.String(
        allow_none=True, metadata={"description": "Null, or why sample-based measures are null (min_sample)."}
    )


@geo_report.route("/statistics.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Statistics(MethodView):
    """Extension: statistics of the requests (docs/metrics.md)."""

    @geo_report.arguments(StatisticsArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, StatisticsCellSchema(many=True))
    def get(self, args, fmt):
        """Extension: measures per cell of the grouping (JSON array; XML <statistics><cell>).

        Counts every request of the jurisdiction (published or not; a sandbox's requests only in the
        sandbox). New requests and status changes count at once. Definitions: docs/metrics.md.
        """
        jurisdiction = current_jurisdiction(args)
        query = StatisticsQuery(
            group_by=args.get("group_by", []),
            filters=request_filters(args),
            groups=args.get("group", []),
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            min_sample=args.get("min_sample") or current_app.config["STATISTICS_MIN_SAMPLE"],
        )
        cells = compute_statistics(get_session(), jurisdiction, query, cache=catalog_cache().get_or_make)
        return respond(fmt, "statistics", cells)
