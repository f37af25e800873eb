"""Extensions the checker detects: each is graded when the server offers it and skipped otherwise.

Detection never trusts a claim: an extension is offered when a query that uses it answers differently
from the same query without it (a server that ignores ``bbox`` lists the same records either way).
"""

from __future__ import annotations

import math
from datetime import timedelta

from ..context import Context, evidence, join_problems
from ..documents import as_float, parse_datetime, w3c
from ..results import Status
from .listing import query, record_ids, with_window

TOTAL_HEADERS = ("X-Result-Count", "X-Total-Count", "X-Total")


def run(ctx: Context) -> None:
    """ext.paging, ext.extensions, ext.updated-after, ext.bbox, ext.radius, ext.updates-feed."""
    _paging(ctx)
    _extensions(ctx)
    _updated_after(ctx)
    _bbox(ctx)
    _radius(ctx)
    _updates_feed(ctx)


def _total(exchange) -> int | None:
    for name in TOTAL_HEADERS:
        value = exchange.header(name)
        if value is not None and value.strip().isdigit():
            return int(value)
    return None


def _paging(ctx: Context) -> None:
    listing = record_ids(ctx.listing)
    if len(listing) < 2:
        ctx.skip("ext.paging", "fewer than two requests to page through")
        return
    first = query(ctx, [("page_size", "1")])
    page = record_ids(first.payload)
    total = _total(first.exchange)
    if first.exchange.status != 200 or (len(page) != 1 and total is None):
        ctx.skip("ext.paging", "page_size is not offered (page_size=1 changes nothing)")
        return
    problems, warnings = [], []
    if len(page) != 1:
        problems.append(f"page_size=1 listed {len(page)} records")
    second = query(ctx, [("page_size", "1"), ("page", "2")])
    if record_ids(second.payload) != listing[1:2]:
        problems.append(
            f"page=2&page_size=1 listed {record_ids(second.payload)[:3]}, not the listing's second record {listing[1]}"
        )
    # Past the last page: beyond the total when the server gives one (the unpaged listing stops at 1,000).
    last = max(total or 0, len(listing))
    beyond = query(ctx, [("page_size", "1"), ("page", str(last + 10))])
    if total is None and len(listing) >= 1000:
        pass  # a capped listing and no total: where the last page is cannot be known
    elif beyond.exchange.status != 200 or record_ids(beyond.payload):
        warnings.append(
            f"a page past the last answered {beyond.exchange.status} with "
            f"{len(record_ids(beyond.payload))} records, not an empty list (digest A21)"
        )
    if total is None:
        warnings.append("no total (X-Result-Count): a client cannot tell how many pages there are")
    elif len(listing) < 1000 and total != len(listing):
        problems.append(f"the total says {total}, the unpaged listing holds {len(listing)}")
    shown = [evidence(first.exchange)]
    if problems:
        ctx.result("ext.paging", Status.FAIL, join_problems(problems + warnings), shown)
    elif warnings:
        ctx.result("ext.paging", Status.WARN, join_problems(warnings), shown)
    else:
        link = " and Link" if first.exchange.header("Link") else ""
        ctx.result(
            "ext.paging", Status.PASS, f"page and page_size page the listing; total {total} in headers{link}", shown
        )


def _extensions(ctx: Context) -> None:
    params = with_window(ctx, [("extensions", "true")])
    fetched = ctx.fetch_both("service_requests", "requests", params, label="requests?extensions=true")
    payload = fetched[ctx.primary].payload
    records = [r for r in payload if isinstance(r, dict)] if isinstance(payload, list) else []
    extended = [r for r in records if "extended_attributes" in r]
    if not extended:
        ctx.skip("ext.extensions", "extensions=true adds nothing")
        return
    problems = []
    if len(extended) != len(records):
        problems.append(f"{len(records) - len(extended)} of {len(records)} records lack extended_attributes")
    if any(not isinstance(r["extended_attributes"], dict) for r in extended):
        problems.append("extended_attributes is not an object")
    plain = [r.get("service_request_id") for r in ctx.listing if "extended_attributes" in r]
    if plain:
        problems.append(
            f"extended_attributes without extensions=true (request {plain[0]}): clients that map "
            "the standard's fields strictly did not ask for them"
        )
    if "xml" in fetched and fetched["xml"].document is not None and extended:
        root = fetched["xml"].document.root
        if root.find("request/extended_attributes") is None:
            problems.append("the XML listing has no <extended_attributes>")
    shown = [evidence(fetched[ctx.primary].exchange, needle="extended_attributes")]
    if problems:
        ctx.result("ext.extensions", Status.FAIL, join_problems(problems), shown)
    else:
        keys = sorted({key for r in extended for key in r["extended_attributes"]})[:8]
        ctx.result("ext.extensions", Status.PASS, f"extended_attributes ({', '.join(keys)}) only when asked for", shown)


def _updated_after(ctx: Context) -> None:
    moments = sorted({m for r in ctx.listing if (m := parse_datetime(r.get("updated_datetime")))})
    if len(moments) < 2:
        ctx.skip("ext.updated-after", "too few distinct updated_datetime values to tell whether it is offered")
        return
    # A second past a listed value: records shown at that second may hold fractions of it.
    cut = moments[(len(moments) - 1) // 2] + timedelta(seconds=1)
    fetched = query(ctx, [("updated_after", w3c(cut))])
    got = [r for r in fetched.payload if isinstance(r, dict)] if isinstance(fetched.payload, list) else []
    if fetched.exchange.status != 200 or record_ids(got) == record_ids(ctx.listing):
        ctx.skip("ext.updated-after", "updated_after is not offered (the listing does not change)")
        return
    early = [r for r in got if (m := parse_datetime(r.get("updated_datetime"))) is None or m < cut]
    expected = {
        str(r["service_request_id"])
        for r in ctx.listing
        if (m := parse_datetime(r.get("updated_datetime"))) and m > cut + timedelta(seconds=1)
    }
    missing = expected - set(record_ids(got))
    shown = [evidence(fetched.exchange)]
    if early:
        ctx.result(
            "ext.updated-after",
            Status.FAIL,
            f"updated_after={w3c(cut)} lists request {early[0].get('service_request_id')} updated before",
            shown,
        )
    elif missing:
        ctx.result(
            "ext.updated-after",
            Status.FAIL,
            f"updated_after={w3c(cut)} leaves out request {sorted(missing)[0]} updated after",
            shown,
        )
    else:
        ctx.result("ext.updated-after", Status.PASS, f"updated_after={w3c(cut)} lists only later updates", shown)


def _point(record: dict) -> tuple[float, float] | None:
    lat, lon = as_float(record.get("lat")), as_float(record.get("long"))
    return (lat, lon) if lat is not None and lon is not None else None


def _bbox(ctx: Context) -> None:
    centre = next((p for r in ctx.listing if (p := _point(r))), None)
    if centre is None:
        ctx.skip("ext.bbox", "no located request to draw a box around")
        return
    lat, lon = centre
    box = (lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002)
    far = _far_box(ctx, lat, lon)
    inside = query(ctx, [("bbox", ",".join(f"{v:.6f}" for v in box))])
    away = query(ctx, [("bbox", ",".join(f"{v:.6f}" for v in far))]) if far else None
    if away is None or away.exchange.status != 200 or record_ids(away.payload) == record_ids(ctx.listing):
        ctx.skip("ext.bbox", "bbox is not offered (a box away from every request lists them all)")
        return
    problems = []
    if record_ids(away.payload):
        problems.append(f"a box holding no request lists {len(record_ids(away.payload))}")
    got = [r for r in inside.payload if isinstance(r, dict)] if isinstance(inside.payload, list) else []
    outside = [
        r for r in got if (p := _point(r)) is None or not (box[1] <= p[0] <= box[3] and box[0] <= p[1] <= box[2])
    ]
    if outside:
        problems.append(f"request {outside[0].get('service_request_id')} lies outside the box")
    expected = {
        str(r["service_request_id"])
        for r in ctx.listing
        if (p := _point(r)) and box[1] < p[0] < box[3] and box[0] < p[1] < box[2]
    }
    if expected - set(record_ids(got)):
        swapped = query(ctx, [("bbox", ",".join(f"{v:.6f}" for v in (box[1], box[0], box[3], box[2])))])
        order = " (it reads latitude first, as uReport does)" if expected <= set(record_ids(swapped.payload)) else ""
        problems.append(f"request {sorted(expected)[0]} inside min_long,min_lat,max_long,max_lat is missing{order}")
    if problems:
        ctx.result("ext.bbox", Status.FAIL, join_problems(problems), [evidence(inside.exchange)])
    else:
        ctx.result(
            "ext.bbox",
            Status.PASS,
            f"a box lists its {len(got)} requests and none outside",
            [evidence(inside.exchange)],
        )


def _far_box(ctx: Context, lat: float, lon: float) -> tuple[float, ...] | None:
    points = [p for r in ctx.listing if (p := _point(r))]
    for dlat, dlon in ((0.5, 0.5), (-0.5, -0.5), (1.5, 0.0), (0.0, 1.5)):
        box = (lon + dlon, lat + dlat, lon + dlon + 0.01, lat + dlat + 0.01)
        if (
            box[0] >= -180
            and box[2] <= 180
            and box[1] >= -90
            and box[3] <= 90
            and not any(box[1] <= p[0] <= box[3] and box[0] <= p[1] <= box[2] for p in points)
        ):
            return box
    return None


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, long) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _radius(ctx: Context) -> None:
    centre = next((p for r in ctx.listing if (p := _point(r))), None)
    if centre is None:
        ctx.skip("ext.radius", "no located request to search around")
        return
    radius = 200.0
    near = query(ctx, [("lat", f"{centre[0]:.6f}"), ("long", f"{centre[1]:.6f}"), ("radius", str(int(radius)))])
    far_point = (max(-89.0, min(89.0, centre[0] + 0.7)), centre[1])
    far = query(ctx, [("lat", f"{far_point[0]:.6f}"), ("long", f"{far_point[1]:.6f}"), ("radius", "10")])
    nobody_far = not any(distance_m(far_point, p) <= 10 for r in ctx.listing if (p := _point(r)))
    if far.exchange.status != 200 or not nobody_far or record_ids(far.payload) == record_ids(ctx.listing):
        ctx.skip("ext.radius", "lat/long/radius are not offered (a search away from every request lists them all)")
        return
    got = [r for r in near.payload if isinstance(r, dict)] if isinstance(near.payload, list) else []
    problems = []
    if record_ids(far.payload):
        problems.append(f"a search where no request lies lists {len(record_ids(far.payload))}")
    too_far = [r for r in got if (p := _point(r)) is None or distance_m(centre, p) > radius + 1]
    if too_far:
        problems.append(f"request {too_far[0].get('service_request_id')} lies over {radius:.0f} m away")
    expected = {
        str(r["service_request_id"]) for r in ctx.listing if (p := _point(r)) and distance_m(centre, p) < radius - 1
    }
    if expected - set(record_ids(got)):
        problems.append(f"request {sorted(expected - set(record_ids(got)))[0]} within {radius:.0f} m is missing")
    if problems:
        ctx.result("ext.radius", Status.FAIL, join_problems(problems), [evidence(near.exchange)])
    else:
        ctx.result(
            "ext.radius",
            Status.PASS,
            f"{len(got)} requests within {radius:.0f} m, none beyond",
            [evidence(near.exchange)],
        )


def _updates_feed(ctx: Context) -> None:
    fetched = ctx.fetch_both("service_request_updates", "servicerequestupdates", label="servicerequestupdates")
    main = fetched[ctx.primary]
    if main.exchange.status in (404, 405, 501) or main.exchange.status is None:
        ctx.skip("ext.updates-feed", f"servicerequestupdates is not offered ({main.exchange.status})")
        return
    ctx.updates_offered = True
    problems = []
    for fmt, item in fetched.items():
        if item.exchange.status != 200 or item.document is None:
            problems.append(f"{fmt}: {item.exchange.status} {item.problem or ''}".strip())
        elif item.document.root is not None and item.document.root.tag not in (
            "service_request_updates",
            "service_requests_updates",
        ):
            problems.append(f"{fmt}: root <{item.document.root.tag}>, not <service_request_updates>")
        elif not isinstance(item.payload, list):
            problems.append(f"{fmt}: not a list of updates")
        else:
            for update in item.payload:
                if not isinstance(update, dict) or not update.get("update_id") or not update.get("service_request_id"):
                    problems.append(f"{fmt}: an update without update_id or service_request_id")
                    break
    if problems:
        ctx.result("ext.updates-feed", Status.FAIL, join_problems(problems), [evidence(main.exchange)])
    else:
        ctx.result(
            "ext.updates-feed",
            Status.PASS,
            f"{len(main.payload)} updates of the last days in each format",
            [evidence(main.exchange)],
        )
