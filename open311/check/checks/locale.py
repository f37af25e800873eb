"""The catalogue in the user's language: CitySDK's ``locale`` and HTTP's Accept-Language."""

from __future__ import annotations

from ..context import Context, Fetched, evidence, join_problems
from ..results import Status
from .catalog import definition_path

#: Languages tried, in order, to find one the catalogue is translated into.
LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "fi", "sv", "pt", "ca")


def _names(fetched: Fetched) -> list:
    payload = fetched.payload if isinstance(fetched.payload, list) else []
    return [(s.get("service_name"), s.get("description"), s.get("group")) for s in payload if isinstance(s, dict)]


def _language(fetched: Fetched) -> str:
    return (fetched.exchange.header("Content-Language") or "").split(",")[0].strip().lower()


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def _varies(fetched: Fetched) -> bool:
    return "accept-language" in (fetched.exchange.header("Vary") or "").lower()


def run(ctx: Context) -> None:
    """ext.locale."""
    base = ctx.fetch("services", "services", ctx.primary)
    if base.exchange.status != 200:
        ctx.skip("ext.locale", "no service list to translate")
        return
    found = None
    for language in LANGUAGES:
        fetched = ctx.fetch("services", "services", ctx.primary, [("locale", language)])
        if fetched.exchange.status != 200:
            continue
        follows = _primary(_language(fetched)) == language and _language(fetched) != _language(base)
        if _names(fetched) != _names(base) or follows:
            found = language, fetched
            break
    if found is None:
        ctx.skip("ext.locale", "locale changes nothing in the service list")
        return
    language, localised = found
    problems = []
    if _primary(_language(localised)) != language:
        problems.append(f"locale={language} is answered with Content-Language {_language(localised) or 'missing'}")
    asked = ctx.fetch("services", "services", ctx.primary, headers={"Accept-Language": f"{language};q=1, *;q=0.1"})
    if _names(asked) != _names(localised):
        problems.append(f"Accept-Language: {language} does not give the catalogue locale={language} gives")
    if not (_varies(asked) and _varies(base)):
        problems.append("no Vary: Accept-Language: a shared cache serves one language to everybody")
    fallback = ctx.fetch("services", "services", ctx.primary, [("locale", "zz")])
    if fallback.exchange.status != 200 or _names(fallback) != _names(base):
        problems.append(f"an unknown locale answered {fallback.exchange.status} and not the default catalogue")
    problems += _definition_problems(ctx, language)
    if len(ctx.formats) == 2:
        ctx.fetch_both("services", "services", [("locale", language)], label=f"services?locale={language}")
    if problems:
        ctx.result("ext.locale", Status.FAIL, join_problems(problems), [evidence(asked.exchange)])
    else:
        ctx.result(
            "ext.locale",
            Status.PASS,
            f"locale={language} and Accept-Language: {language} translate services and definitions, "
            "with Content-Language and Vary",
            [evidence(localised.exchange)],
        )


def _definition_problems(ctx: Context, language: str) -> list[str]:
    code = next((code for code, definition in ctx.definitions.items() if definition.get("attributes")), None)
    if code is None:
        return []
    base = ctx.fetch("service_definition", definition_path(code), ctx.primary)
    localised = ctx.fetch("service_definition", definition_path(code), ctx.primary, [("locale", language)])
    if localised.exchange.status != 200:
        return [f"the definition of {code} with locale={language} answered {localised.exchange.status}"]
    if localised.payload == base.payload and _primary(_language(localised)) != language:
        return [f"the definition of {code} ignores locale={language} (nothing translated, no Content-Language)"]
    if not _varies(localised):
        return [f"the definition of {code} has no Vary: Accept-Language"]
    return []
