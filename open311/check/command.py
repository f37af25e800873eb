"""``open311 check URL``: only click at import time (the CLI loads it for every command)."""

from __future__ import annotations

from pathlib import Path

import click


def _location(_ctx, _param, value: str | None):
    if not value:
        return None
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("expected LAT,LONG, e.g. 48.8584,2.2945") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("latitude within ±90, longitude within ±180")
    return lat, lon


@click.command("check")
@click.argument("url")
@click.option("--jurisdiction", "jurisdiction_id", help="jurisdiction_id to send (needed when several are hosted).")
@click.option("--write", is_flag=True, help="Also POST test requests, updates and faulty forms (needs --api-key).")
@click.option("--api-key", envvar="OPEN311_CHECK_API_KEY", help="Key for --write (or OPEN311_CHECK_API_KEY).")
@click.option(
    "--endpoint-type",
    type=click.Choice(["production", "test"]),
    default="production",
    show_default=True,
    help="Which endpoint of discovery to check.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "junit"]),
    default="table",
    show_default=True,
    help="What to print.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write it to this file.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@click.option("--location", callback=_location, metavar="LAT,LONG", help="Where to place test requests.")
@click.option(
    "--rate", type=float, default=10.0, show_default=True, help="At most this many requests a second (0: no limit)."
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for each answer.")
@click.option("--slow", type=float, default=2.0, show_default=True, help="A p95 above this many seconds warns.")
@click.option("-v", "--verbose", is_flag=True, help="The table shows the evidence of every check.")
def check(
    url,
    jurisdiction_id,
    write,
    api_key,
    endpoint_type,
    output_format,
    output,
    html_file,
    location,
    rate,
    timeout,
    slow,
    verbose,
) -> None:
    """Grade the GeoReport v2 server at URL (its discovery.json/.xml, or its endpoint).

    Reads only, unless --write: then it posts a request of each service type, updates and faulty forms,
    and closes what it created where the server allows. Exits 1 when any check fails.
    """
    from .context import Options
    from .output import render
    from .runner import run_check

    if write and not api_key:
        raise click.UsageError("--write needs --api-key (or OPEN311_CHECK_API_KEY)")
    if rate < 0 or timeout <= 0:
        raise click.UsageError("--rate must be 0 (no limit) or more, --timeout more than 0")
    options = Options(
        url=url,
        jurisdiction_id=jurisdiction_id,
        write=write,
        api_key=api_key,
        endpoint_type=endpoint_type,
        timeout=timeout,
        rate=rate,
        slow=slow,
        location=location,
    )
    try:
        report = run_check(options)
    except ValueError as exc:  # not an http(s) URL
        raise click.UsageError(str(exc)) from exc
    if output_format == "table" and verbose:
        from .output.table import render_table

        text = render_table(report, verbose=True)
    else:
        text = render(report, output_format)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if html_file:
        from .output.html import render_html

        html_file.write_text(render_html(report), encoding="utf-8")
    if output or output_format != "table":
        score = report.score()
        click.echo(f"open311 check: {'n/a' if score is None else f'{score:.1f}%'}", err=True)
    click.get_current_context().exit(1 if report.failed else 0)
