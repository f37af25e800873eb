"""Extension: the catalogue in the user's language.

GeoReport v2 has no language parameter; the CitySDK servers (Helsinki, Klarschiff) added ``locale``, and
HTTP clients send ``Accept-Language``. The catalogue's texts are written in the jurisdiction's language
(``jurisdiction.language``) with translations per entry (``translations`` maps of the city file); a text
missing in the chosen language falls back to the jurisdiction's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from ..models import Jurisdiction, Service, ServiceAttribute


def _tag(text: str) -> str:
    return text.strip().replace("_", "-").lower()


def _match(tag: str, available: Sequence[str]) -> str | None:
    """The available language for ``tag``: the same tag, its language without region or script (en-US ->
    en), or the same language with another region (en -> en-GB)."""
    by_tag = {_tag(language): language for language in available}
    wanted = _tag(tag)
    if wanted in by_tag:
        return by_tag[wanted]
    primary = wanted.split("-")[0]
    if primary in by_tag:
        return by_tag[primary]
    return next((language for key, language in by_tag.items() if key.split("-")[0] == primary), None)


def choose_language(
    available: Sequence[str], default: str, locale: str | None = None, accepted: Iterable[tuple[str, float]] = ()
) -> str:
    """The language to answer in: ``locale`` (CitySDK's parameter, e.g. ``en`` or ``en_GB``) when available,
    else the first available of ``accepted`` (Accept-Language, best first), else ``default``."""
    wanted = ([locale] if locale else []) + [tag for tag, quality in accepted if quality > 0 and tag != "*"]
    for tag in wanted:
        found = _match(tag, available)
        if found is not None:
            return found
    return default


def available_languages(session: Session, jurisdiction: Jurisdiction) -> list[str]:
    """The jurisdiction's language, then every language its services or attributes are translated into."""
    languages = union(
        select(func.jsonb_object_keys(Service.translations)).where(Service.jurisdiction_id == jurisdiction.id),
        select(func.jsonb_object_keys(ServiceAttribute.translations))
        .join(Service, ServiceAttribute.service_id == Service.id)
        .where(Service.jurisdiction_id == jurisdiction.id),
    )
    translated = sorted(session.scalars(select(languages.subquery().c[0])))
    return [jurisdiction.language, *(language for language in translated if language != jurisdiction.language)]


def texts_in(language: str | None, base: dict, translations: dict) -> dict:
    """``base`` (field -> text in the jurisdiction's language) with the fields ``translations`` has in
    ``language`` replaced; a missing or empty translation keeps the base text."""
    translated = translations.get(language) if language else None
    if not translated:
        return base
    return {field: translated.get(field) or text for field, text in base.items()}
