"""Extension (open data): the privacy transform in SQL and the public texts it makes, computed once at write time

``redact_personal_data(text)`` replaces e-mail addresses by ``[email removed]`` and phone numbers by
``[phone removed]`` (docs/open-data.md). ``public_text(text)`` is its result, or NULL when nothing was
removed; ``public_attributes(jsonb)`` the same for the text values of submitted attributes. Stored
generated columns hold them for descriptions, status notes, addresses, attributes and history notes:
every write path (POST, staff and citizen updates, the importer, anything later) fills them, the
ALTER TABLE fills the existing rows, and they are NULL (no space) for the many texts with nothing to
remove. Public outputs read ``coalesce(public_x, x)``.

Changing the transform later: a new migration replaces the functions and rewrites the columns
(``UPDATE service_request SET description = description``, for instance).

Revision ID: odata1
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "odata1"
down_revision = "perf2"
branch_labels = None
depends_on = None

# Separators people type inside phone numbers: space, no-break spaces, dot, parentheses, slash, dash.
SEPARATORS = r"[ \u00a0\u202f.()/-]"
# Letters of e-mail addresses: ASCII and Latin-1 letters (explicit ranges: the result must not depend
# on the database's locale, the function is IMMUTABLE).
LETTERS = "A-Za-z0-9À-ÖØ-öø-ÿ"
BRACKETED_AT = r"[\[({](at|arobase|@)[\])}]"
BRACKETED_DOT = r" ?[\[({](dot|point)[\])}] ?"
# Not glued to a word or to another number (lookbehinds of one class: alternatives in a lookbehind
# made PostgreSQL's regular expressions five times slower).
NOT_AFTER = r"(?<![A-Za-z0-9])"
# ... nor inside a run of spaced digit groups (an IBAN, a card number, a SIRET).
NOT_IN_GROUPS_BEFORE = r"(?<![A-Za-z0-9])(?<![0-9][ .,-])"
NOT_IN_GROUPS_AFTER = r"(?![0-9]|[ .-][0-9])"

#: e-mail addresses: jean.dupont@gmail.com, jean @ free.fr
EMAIL = rf"[{LETTERS}._%+-]+ ?@ ?[{LETTERS}-]+(\.[{LETTERS}-]+)*\.[A-Za-z]{{2,}}"
#: written to dodge robots: jean[at]free[dot]fr, jean (at) free (dot) fr, marie(arobase)laposte.net
EMAIL_BRACKETED = rf"[{LETTERS}._%+-]+ ?{BRACKETED_AT} ?[{LETTERS}-]+((\.|{BRACKETED_DOT})[{LETTERS}-]+)*(\.|{BRACKETED_DOT})[A-Za-z]{{2,}}"
#: international: + and a country code, 8 to 15 digits in all (+33 6 12 34 56 78, +33 (0)6 ..., +1 212 ...)
PHONE_PLUS = rf"(?<![A-Za-z0-9+])\+ ?[1-9]({SEPARATORS}{{0,2}}[0-9]){{7,14}}(?![0-9])"
#: The other forms, each with a cheaper test that must hold first.
PHONES = (
    # international with 00 (0033 6 12 34 56 78, 0044 20 7946 0958): 11 to 15 digits in all
    ("strpos(value, '00') > 0", rf"{NOT_AFTER}00[1-9]({SEPARATORS}{{0,2}}[0-9]){{8,12}}(?![0-9])"),
    # French national: 0 and nine digits in pairs, one separator (none, space, dot or dash) throughout:
    # 06 12 34 56 78, 06.12.34.56.78, 0612345678 (a date such as 01.02.2024 12h changes separator)
    (
        "value ~ '(^|[^A-Za-z0-9])0[1-9]'",
        rf"{NOT_AFTER}0[1-9]([0-9]{{8}}|( [0-9]{{2}}){{4}}|(\.[0-9]{{2}}){{4}}|(-[0-9]{{2}}){{4}}"
        rf"|(\u00a0[0-9]{{2}}){{4}}|(\u202f[0-9]{{2}}){{4}})(?![0-9])",
    ),
    # North American: (212) 555-1234, 212-555-1234, 212.555.1234, 212 555 1234
    (
        "value ~ '[0-9][ .)-] ?[2-9][0-9]{2}[ .-][0-9]{4}'",
        rf"{NOT_IN_GROUPS_BEFORE}(\([2-9][0-9]{{2}}\) ?|[2-9][0-9]{{2}}[ .-])[2-9][0-9]{{2}}[ .-][0-9]{{4}}"
        rf"{NOT_IN_GROUPS_AFTER}",
    ),
    # other national numbers in spaced groups: 020 7946 0958, 07700 900123, 06 1234 5678
    (
        "value ~ '(^|[^A-Za-z0-9])0[1-9][0-9]{0,4} [0-9]{3}'",
        rf"{NOT_IN_GROUPS_BEFORE}0[1-9][0-9]{{0,4}} [0-9]{{3,4}} ?[0-9]{{3,4}}{NOT_IN_GROUPS_AFTER}",
    ),
)
#: Every phone number holds eight digits with at most two separators between two of them.
EIGHT_DIGITS = rf"[0-9]({SEPARATORS}{{0,2}}[0-9]){{7}}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Each family runs only when a cheaper test says it may be there.
PHONE_STEPS = "\n".join(
    f"        IF {test} THEN\n            value := regexp_replace(value, {_quote(pattern)}, '[phone removed]', 'g');\n"
    "        END IF;"
    for test, pattern in PHONES
)
REDACT_FOUND = f"""
CREATE FUNCTION redact_found_personal_data(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF strpos(value, '@') > 0 THEN
        value := regexp_replace(value, {_quote(EMAIL)}, '[email removed]', 'g');
    END IF;
    IF value ~ {_quote(BRACKETED_AT)} THEN
        value := regexp_replace(value, {_quote(EMAIL_BRACKETED)}, '[email removed]', 'g');
    END IF;
    IF value ~ {_quote(EIGHT_DIGITS)} THEN
        IF strpos(value, '+') > 0 THEN
            value := regexp_replace(value, {_quote(PHONE_PLUS)}, '[phone removed]', 'g');
        END IF;
{PHONE_STEPS}
    END IF;
    RETURN value;
END
$$
"""

# Most texts hold no @, no bracketed "at" and no eight digits in a row: a test of a few microseconds
# that PostgreSQL inlines into the caller (a plpgsql call alone costs more) lets them through as they are.
REDACT = f"""
CREATE FUNCTION redact_personal_data(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL
             OR (strpos(value, '@') = 0 AND strpos(value, 'at)') = 0 AND strpos(value, 'at]') = 0
                 AND strpos(value, 'at}}') = 0 AND strpos(value, 'arobase') = 0
                 AND value !~ {_quote(EIGHT_DIGITS)}) THEN value
        ELSE redact_found_personal_data(value)
    END
$$
"""

PUBLIC_TEXT = """
CREATE FUNCTION public_text(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NULLIF(redact_personal_data(value), value)
$$
"""

# Submitted attributes: an object whose values are texts, numbers or lists of texts. The whole object's
# text is tested first (inlined), each value is redacted only when something was found.
PUBLIC_ATTRIBUTES = """
CREATE FUNCTION public_attributes(value jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR value = '{}'::jsonb OR public_text(value::text) IS NULL THEN NULL
        ELSE redact_attribute_values(value)
    END
$$
"""

REDACT_ATTRIBUTE_VALUES = """
CREATE FUNCTION redact_attribute_values(value jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN jsonb_typeof(value) <> 'object' THEN NULL
        ELSE NULLIF((
            SELECT jsonb_object_agg(key, CASE jsonb_typeof(item)
                WHEN 'string' THEN to_jsonb(redact_personal_data(item #>> '{}'))
                WHEN 'array' THEN (
                    SELECT jsonb_agg(CASE WHEN jsonb_typeof(element) = 'string'
                                          THEN to_jsonb(redact_personal_data(element #>> '{}'))
                                          ELSE element END ORDER BY position)
                    FROM jsonb_array_elements(item) WITH ORDINALITY AS elements (element, position))
                ELSE item END)
            FROM jsonb_each(value) AS entries (key, item)), value)
    END
$$
"""

REQUEST_COLUMNS = {
    "public_description": "public_text(description)",
    "public_status_notes": "public_text(status_notes)",
    "public_address": "public_text(address)",
}


def upgrade() -> None:
    for function in (REDACT_FOUND, REDACT, PUBLIC_TEXT, REDACT_ATTRIBUTE_VALUES, PUBLIC_ATTRIBUTES):
        op.execute(function)
    # One ALTER TABLE: the table is rewritten once, every existing row gets its public texts.
    columns = [f"ADD COLUMN {name} text GENERATED ALWAYS AS ({expr}) STORED" for name, expr in REQUEST_COLUMNS.items()]
    columns.append("ADD COLUMN public_attributes jsonb GENERATED ALWAYS AS (public_attributes(attributes)) STORED")
    op.execute(f"ALTER TABLE service_request {', '.join(columns)}")
    op.execute("ALTER TABLE request_update ADD COLUMN public_note text GENERATED ALWAYS AS (public_text(note)) STORED")


def downgrade() -> None:
    op.execute("ALTER TABLE request_update DROP COLUMN public_note")
    op.execute(
        "ALTER TABLE service_request "
        + ", ".join(f"DROP COLUMN {name}" for name in [*REQUEST_COLUMNS, "public_attributes"])
    )
    op.execute("DROP FUNCTION public_attributes(jsonb)")
    op.execute("DROP FUNCTION redact_attribute_values(jsonb)")
    op.execute("DROP FUNCTION public_text(text)")
    op.execute("DROP FUNCTION redact_personal_data(text)")
    op.execute("DROP FUNCTION redact_found_personal_data(text)")
