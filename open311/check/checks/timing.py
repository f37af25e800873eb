"""Response times of the reads."""

from __future__ import annotations

from collections import defaultdict
from statistics import quantiles

from ..context import Context, evidence
from ..results import Status


def _kind(ctx: Context, url: str) -> str:
    path = url.split("?", 1)[0]
    path = path[len(ctx.base) + 1 :] if path.startswith(ctx.base) else path.rsplit("/", 1)[-1]
    parts = path.rsplit(".", 1)[0].split("/")
    if len(parts) > 1:
        return {"services": "services/{code}", "requests": "requests/{id}", "tokens": "tokens/{token}"}.get(
            parts[0], parts[0]
        )
    return parts[0]


def run(ctx: Context) -> None:
    """perf.response-times: p95 per kind of read."""
    reads = [e for e in ctx.client.log if e.method == "GET"]
    timeouts = [e for e in reads if e.status is None and "timed out" in (e.error or "")]
    by_kind = defaultdict(list)
    for exchange in reads:
        if exchange.status is not None:
            by_kind[_kind(ctx, exchange.url)].append(exchange.elapsed)
    figures, slow = [], []
    for kind, times in sorted(by_kind.items()):
        p95 = quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        figures.append(f"{kind} p95 {p95 * 1000:.0f} ms (n={len(times)})")
        if p95 > ctx.options.slow:
            slow.append(f"{kind} p95 {p95:.2f} s")
    if timeouts:
        ctx.result(
            "perf.response-times",
            Status.FAIL,
            f"{len(timeouts)} reads timed out after {ctx.options.timeout} s (e.g. {timeouts[0].url})",
            [evidence(timeouts[0])],
        )
    elif slow:
        ctx.result(
            "perf.response-times",
            Status.WARN,
            f"slower than {ctx.options.slow} s: {', '.join(slow)}; " + "; ".join(figures),
        )
    elif figures:
        ctx.result("perf.response-times", Status.PASS, "; ".join(figures))
    else:
        ctx.skip("perf.response-times", "no read was answered")
