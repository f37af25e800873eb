"""Graded over every answer the run read: media types, XML declaration, UTF-8, plain XML, JSON types,
both formats agreeing and schemas/ validity."""

from __future__ import annotations

import re
from collections import defaultdict

from ..context import MEDIA_TYPES, Context, Fetched, evidence, join_problems
from ..documents import NotParsable, differences, objects, parse
from ..results import Status
from ..schemas import json_errors, xml_errors

DECLARATION = re.compile(rb'^<\?xml\s+version=["\']1\.[01]["\'][^?]*encoding=["\']utf-8["\']', re.IGNORECASE)
IDENTIFIERS = ("service_request_id", "service_code", "token", "address_id", "zipcode", "update_id")
FLAGS = ("metadata", "variable", "required")
#: JSON records validated per document (JSON Schema validation of 1,000 records takes about a second).
SCHEMA_SAMPLE = 100


def _answers(ctx: Context, fmt: str | None = None) -> list:
    return [e for e in ctx.client.log if e.status is not None and e.body and (fmt is None or e.fmt == fmt)]


def run(ctx: Context) -> None:
    """format.* and schema.valid."""
    for fmt in ("xml", "json"):
        _media_type(ctx, fmt)
    _declaration(ctx)
    _utf8(ctx)
    _plain_xml(ctx)
    _json_types(ctx)
    _agree(ctx)
    _schemas(ctx)


def _media_type(ctx: Context, fmt: str) -> None:
    check_id, expected = f"format.media-type-{fmt}", MEDIA_TYPES[fmt]
    answers = _answers(ctx, fmt)
    if not answers:
        ctx.skip(check_id, f"no {fmt} answer was read")
        return
    wrong = [e for e in answers if e.media_type != expected]
    with_parameters = [e for e in answers if e.media_type == expected and e.content_type.strip() != expected]
    if wrong:
        ctx.result(
            check_id,
            Status.FAIL,
            f"{len(wrong)} of {len(answers)} {fmt} answers are {wrong[0].content_type!r}, "
            f"not {expected} (e.g. {wrong[0].describe()})",
            [evidence(wrong[0])],
        )
    elif with_parameters:
        ctx.result(
            check_id,
            Status.WARN,
            f"{len(with_parameters)} of {len(answers)} answers are {with_parameters[0].content_type!r}: the spec's "
            f"own text shows the charset, so this is a warning, not a failure; but validators and clients that "
            f"compare the header with {expected} exactly reject it, and "
            + (
                "RFC 8259 defines no charset parameter for JSON"
                if fmt == "json"
                else "for XML the declaration carries the encoding (RFC 7303)"
            ),
            [evidence(with_parameters[0])],
        )
    else:
        ctx.result(check_id, Status.PASS, f"all {len(answers)} {fmt} answers are exactly {expected}")


def _declaration(ctx: Context) -> None:
    answers = _answers(ctx, "xml")
    bad = [e for e in answers if not DECLARATION.match(e.body)]
    if not answers:
        ctx.skip("format.xml-declaration", "no XML answer was read")
    elif bad:
        ctx.result(
            "format.xml-declaration",
            Status.FAIL,
            f"{len(bad)} of {len(answers)} XML answers do not start "
            f'with <?xml version="1.0" encoding="utf-8"?> (e.g. {bad[0].describe()})',
            [evidence(bad[0])],
        )
    else:
        ctx.result("format.xml-declaration", Status.PASS, f"all {len(answers)} XML answers declare UTF-8")


def _utf8(ctx: Context) -> None:
    answers, bad = _answers(ctx), []
    for exchange in answers:
        try:
            exchange.body.decode("utf-8")
            if exchange.body.startswith(b"\xef\xbb\xbf"):
                bad.append((exchange, "starts with a byte order mark"))
        except UnicodeDecodeError as exc:
            bad.append((exchange, f"is not UTF-8 ({exc.reason} at byte {exc.start})"))
    if bad:
        ctx.result(
            "format.utf8", Status.FAIL, f"{len(bad)} answers: {bad[0][0].describe()} {bad[0][1]}", [evidence(bad[0][0])]
        )
    else:
        ctx.result("format.utf8", Status.PASS, f"all {len(answers)} answers are UTF-8")


def _plain_xml(ctx: Context) -> None:
    found, checked = [], 0
    for _response, fetched in ctx.documents:
        root = fetched.document.root if fetched.document else None
        if root is None:
            continue
        checked += 1
        if root.nsmap:
            found.append((fetched.exchange, f"<{root.tag}> declares namespaces {dict(root.nsmap)}"))
            continue
        element = next((el for el in root.iter() if isinstance(el.tag, str) and el.attrib), None)
        if element is not None:
            found.append((fetched.exchange, f"<{element.tag}> has attributes {dict(element.attrib)}"))
    if found:
        ctx.result(
            "format.xml-plain",
            Status.WARN,
            f"{len(found)} of {checked} XML documents: {found[0][1]} (the "
            "standard's XML has neither; strict parsers and XSDs reject them)",
            [evidence(found[0][0])],
        )
    elif checked:
        ctx.result("format.xml-plain", Status.PASS, f"{checked} XML documents without namespace or attribute")
    else:
        ctx.skip("format.xml-plain", "no XML document was read")


def _json_types(ctx: Context) -> None:
    problems, shown, checked = [], [], 0
    for response, fetched in ctx.documents:
        if fetched.exchange.fmt != "json" or fetched.document is None or response == "errors":
            continue
        checked += 1
        for item in objects(fetched.payload):
            found = [
                f"{name} {item[name]!r} is a number"
                for name in IDENTIFIERS
                if isinstance(item.get(name), int | float) and not isinstance(item.get(name), bool)
            ]
            found += [f"{name} {item[name]!r} is not a boolean" for name in FLAGS if isinstance(item.get(name), str)]
            found += [
                f"{name} {item[name]!r} is a string" for name in ("lat", "long") if isinstance(item.get(name), str)
            ]
            if found:
                problems.extend(found)
                if len(shown) < 1:
                    shown.append(evidence(fetched.exchange))
    if problems:
        ctx.result(
            "format.json-types",
            Status.WARN,
            join_problems(sorted(set(problems))) + " (identifiers as "
            "numbers lose leading zeros; typed clients expect strings, booleans and numbers)",
            shown,
        )
    elif checked:
        ctx.result("format.json-types", Status.PASS, f"{checked} JSON documents use strings, booleans and numbers")
    else:
        ctx.skip("format.json-types", "no JSON document was read")


def _agree(ctx: Context) -> None:
    if len(ctx.formats) < 2:
        ctx.skip("format.agree", "the endpoint offers one format")
        return
    problems, shown, compared = [], [], 0
    for pair in ctx.pairs:
        found = _pair_differences(pair.json, pair.xml)
        if found:  # the server's data may have changed between the two GETs: ask both again once
            json_again, xml_again = _again(ctx, pair.json), _again(ctx, pair.xml)
            found = _pair_differences(json_again, xml_again)
            if found:
                problems.append(f"{pair.label}: {found[0]}")
                shown.append(evidence(xml_again.exchange, needle=found[0].split(":")[0].rsplit(".", 1)[-1]))
        compared += 1
    if problems:
        ctx.result("format.agree", Status.FAIL, join_problems(problems), shown[:2])
    else:
        ctx.result("format.agree", Status.PASS, f"{compared} documents say the same in XML and JSON")


def _again(ctx: Context, fetched: Fetched) -> Fetched:
    exchange = ctx.client.get(fetched.exchange.url)
    try:
        return Fetched(exchange, parse(exchange), None)
    except NotParsable as exc:
        return Fetched(exchange, None, str(exc))


def _pair_differences(json_side, xml_side) -> list[str]:
    if json_side.exchange.status != xml_side.exchange.status:
        return [f"JSON answered {json_side.exchange.status}, XML {xml_side.exchange.status}"]
    if json_side.document is None or xml_side.document is None:
        return []  # unreadable documents fail their own checks
    return differences(json_side.document.payload, xml_side.document.root)


def _schemas(ctx: Context) -> None:
    counts, problems, shown, seen = defaultdict(int), [], [], set()
    for response, fetched in ctx.documents:
        if fetched.document is None or id(fetched.exchange) in seen:
            continue
        seen.add(id(fetched.exchange))
        counts[response] += 1
        root, payload = fetched.document.root, fetched.payload
        if isinstance(payload, list) and len(payload) > SCHEMA_SAMPLE:
            payload = payload[:SCHEMA_SAMPLE]  # a listing's records share one schema: a sample bounds the time
        errors = xml_errors(response, root) if root is not None else json_errors(response, payload)
        if errors:
            problems.append(f"{response} ({fetched.exchange.fmt or 'xml'}) {fetched.exchange.url}: {errors[0]}")
            if len(shown) < 2:
                shown.append(evidence(fetched.exchange))
    summary = ", ".join(f"{count} {response}" for response, count in sorted(counts.items()))
    if problems:
        ctx.result("schema.valid", Status.WARN, join_problems(problems, 4), shown)
    elif counts:
        ctx.result("schema.valid", Status.PASS, f"all valid: {summary}")
    else:
        ctx.skip("schema.valid", "no document was read")
