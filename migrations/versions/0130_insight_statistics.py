"""Extension (statistics): when each request was last closed and first answered, and the rollups of
docs/metrics.md, kept with every write

Revision ID: insight1
Revises: 0007
Create Date: 2026-12-01

- ``service_request.closed_datetime`` (when the request was last closed; null while open) and
  ``first_response_datetime`` (the first change of its detailed status), set by a BEFORE trigger that
  runs only when a request is stored in, or moved to, another status than ``received`` (a POST never
  runs it).
- ``stats_pending``: every change of what a request counts for (+1 for its new state, -1 for its old
  one; layer 0 for the request itself, a layer and area for each of its areas), appended by
  statement-level triggers on ``service_request`` and ``service_request_area``. Appending is all a write
  pays; nothing else is locked.
- ``request_stats``: counts and histograms per cell (cuboid x grain x period x keys: see _pipeline),
  built from the pending changes in bulk by
  ``stats_fold()``, which the triggers call once every 256 changes (and ``open311 statistics fold`` at
  will). Readers add the changes not folded yet, so new requests and status changes show at once.
- ``stats_rebuild(jurisdiction)`` recomputes a jurisdiction's rollups from its requests (bulk loads run
  with ``open311.statistics = off`` and call it once; a change of time zone calls it too).
"""

# ruff: noqa: S608  (the SQL is built from this file's constants only)
import sqlalchemy as sa
from alembic import op

revision = "insight1"
down_revision = "odata4"
branch_labels = None
depends_on = None

CLOSED = "'fixed', 'closed', 'duplicate', 'not_responsible', 'no_further_action', 'cancelled'"
KEYS = ("jurisdiction_id", "cuboid", "grain", "period", "layer_id", "area_id", "service_id", "department_id", "status")
MEASURES = ("opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed")
CHANGE = (
    "sign", "jurisdiction_id", "layer_id", "area_id", "service_id", "department_id", "status", "requested", "closed",
    "responded", "expected",
)  # fmt: skip
#: The triggers fold the pending changes each time their count passes a multiple of this.
FOLD_EVERY = 256
#: Cuboid 0 keeps day rows for this many days back (and the days ahead: due dates), pruned by each fold.
RECENT_DAYS = 62

# Log-spaced buckets of a duration: bucket 0 holds [0, 60 s); bucket k >= 1 holds [60 g^(k-1), 60 g^k)
# seconds with g = 1.0202, so the representative 2 lo g / (1 + g) of a bucket is within
# (g - 1) / (g + 1) = 1% of every value in it (open311/logic/insight/histograms.py).
BUCKET = """
CREATE FUNCTION stats_bucket(elapsed interval) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN date_part('epoch', elapsed) < 60 THEN 0
                ELSE 1 + floor(ln(date_part('epoch', elapsed) / 60) / ln(1.0202))::integer END
$$
"""

# A histogram is two texts: comma-separated buckets and their counts (same length, no bucket twice). Text
# reads out as it is stored (an integer[] is written out element by element: the readers' main cost).
HIST_ADD = """
CREATE TYPE stats_hist AS (buckets text, counts text);

CREATE FUNCTION stats_hist_add(buckets text, counts text, more_buckets text, more_counts text)
RETURNS stats_hist LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    b integer[] := string_to_array(buckets, ',')::integer[];
    c integer[] := string_to_array(counts, ',')::integer[];
    mb integer[] := string_to_array(more_buckets, ',')::integer[];
    mc integer[] := string_to_array(more_counts, ',')::integer[];
    i integer;
    j integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(mb, 1), 0) LOOP
        j := array_position(b, mb[i]);
        IF j IS NULL THEN
            b := b || mb[i];
            c := c || mc[i];
        ELSE
            c[j] := c[j] + mc[i];
        END IF;
    END LOOP;
    RETURN ROW(array_to_string(b, ','), array_to_string(c, ','))::stats_hist;
END
$$
"""

# The dated events of a request, the one definition the rollups, the readers of pending changes and the
# statistics over raw rows share (docs/metrics.md): kind 0 opened (requested), 1 closed (with its time to
# close, whether it had an expected_datetime and met it), 2 first response (with its time), 3 due (the
# later of requested and expected), 4 due and closed (the later of expected and closed). A single SELECT,
# so PostgreSQL inlines it into the calling query.
EVENTS = """
CREATE FUNCTION stats_events(
    requested timestamptz, closed timestamptz, responded timestamptz, expected timestamptz, zone text
) RETURNS TABLE (kind integer, day date, bucket integer, has_target boolean, on_time boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e.kind, (e.at AT TIME ZONE zone)::date, e.bucket, e.kind = 1 AND expected IS NOT NULL,
           e.kind = 1 AND coalesce(closed <= expected, false)
    FROM (VALUES
        (0, requested, 0), (1, closed, stats_bucket(closed - requested)), (2, responded, stats_bucket(responded - requested)),
        (3, CASE WHEN expected IS NOT NULL THEN greatest(requested, expected) END, 0),
        (4, CASE WHEN closed IS NOT NULL AND expected IS NOT NULL THEN greatest(expected, closed) END, 0)
    ) AS e (kind, at, bucket)
    WHERE e.at IS NOT NULL
$$
"""

REQUEST_TIMES = f"""
CREATE FUNCTION stats_request_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- (The generated status column is not computed yet in a BEFORE trigger: detailed_status decides.)
    IF NEW.detailed_status IN ({CLOSED}) THEN
        IF TG_OP = 'INSERT' THEN
            NEW.closed_datetime := coalesce(NEW.closed_datetime, NEW.updated_datetime);
        ELSIF OLD.detailed_status NOT IN ({CLOSED}) THEN
            NEW.closed_datetime := NEW.updated_datetime;
        END IF;
    ELSE
        NEW.closed_datetime := NULL;
    END IF;
    IF NEW.first_response_datetime IS NULL THEN
        NEW.first_response_datetime := NEW.updated_datetime;
    END IF;
    RETURN NEW;
END
$$
"""


def _pipeline(source: str) -> str:
    """The INSERT ... ON CONFLICT adding the changes of ``source`` (a query with the CHANGE columns) to the
    rollups: the events of each change summed per day and bucket, then per cell of each cuboid the change
    feeds at each grain: cuboid 0 (service x department x status, for every request on layer 0 and per area
    of each layer) per month and year; cuboid 1 (area) and cuboid 2 (service) per day, month and year."""
    hist = (
        "({kind}_buckets, {kind}_counts) = (SELECT h.buckets, h.counts FROM stats_hist_add("
        "s.{kind}_buckets, s.{kind}_counts, excluded.{kind}_buckets, excluded.{kind}_counts) AS h)"
    )
    return f"""
    INSERT INTO request_stats AS s
    WITH event AS (
        SELECT c.jurisdiction_id, c.layer_id, c.area_id, c.service_id, c.department_id,
               CASE c.status WHEN 'open' THEN 1 ELSE 2 END AS status, e.kind, e.day, e.bucket,
               sum(c.sign)::integer AS n, coalesce(sum(c.sign) FILTER (WHERE e.has_target), 0)::integer AS n_target,
               coalesce(sum(c.sign) FILTER (WHERE e.on_time), 0)::integer AS n_on_time
        FROM ({source}) AS c ({", ".join(CHANGE)})
        JOIN jurisdiction AS j ON j.id = c.jurisdiction_id
        CROSS JOIN LATERAL stats_events(c.requested, c.closed, c.responded, c.expected, j.time_zone) AS e
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ), cell AS (
        SELECT jurisdiction_id,
               CASE WHEN GROUPING(area_of_layer) = 0 THEN 1 WHEN GROUPING(service_of_request) = 0 THEN 2 ELSE 0 END
                   AS cuboid,
               CASE WHEN GROUPING(day) = 0 OR GROUPING(recent_day) = 0 THEN 'd' WHEN GROUPING(month) = 0 THEN 'm'
                    ELSE 'y' END AS grain,
               coalesce(day, recent_day, month, year) AS period,
               coalesce(layer_id, 0) AS layer_id, coalesce(area_id, area_of_layer, 0) AS area_id,
               coalesce(service_id, service_of_request, 0) AS service_id,
               coalesce(department_id, 0) AS department_id, coalesce(status, 0) AS status, kind, bucket,
               sum(n)::integer AS n, sum(n_target)::integer AS n_target, sum(n_on_time)::integer AS n_on_time
        FROM (SELECT e.*, date_trunc('month', e.day)::date AS month, date_trunc('year', e.day)::date AS year,
                     CASE WHEN e.layer_id <> 0 THEN e.area_id END AS area_of_layer,
                     CASE WHEN e.layer_id = 0 THEN e.service_id END AS service_of_request,
                     CASE WHEN e.day >= current_date - {RECENT_DAYS} THEN e.day END AS recent_day
              FROM event AS e) AS e
        GROUP BY jurisdiction_id, kind, bucket, GROUPING SETS (
            (recent_day, layer_id, area_id, service_id, department_id, status),
            (month, layer_id, area_id, service_id, department_id, status),
            (year, layer_id, area_id, service_id, department_id, status),
            (day, layer_id, area_of_layer), (month, layer_id, area_of_layer), (year, layer_id, area_of_layer),
            (day, service_of_request), (month, service_of_request), (year, service_of_request))
        HAVING (GROUPING(area_of_layer) = 1 OR area_of_layer IS NOT NULL)
           AND (GROUPING(service_of_request) = 1 OR service_of_request IS NOT NULL)
           AND (GROUPING(recent_day) = 1 OR recent_day IS NOT NULL)
    )
    SELECT jurisdiction_id, cuboid::smallint, grain::char, period, layer_id, area_id, service_id, department_id,
           (CASE status WHEN 1 THEN 'open' WHEN 2 THEN 'closed' ELSE '' END)::varchar(6),
           coalesce(sum(n) FILTER (WHERE kind = 0), 0)::integer,
           coalesce(sum(n) FILTER (WHERE kind = 1), 0)::integer,
           coalesce(sum(n_target) FILTER (WHERE kind = 1), 0)::integer,
           coalesce(sum(n_on_time) FILTER (WHERE kind = 1), 0)::integer,
           coalesce(sum(n) FILTER (WHERE kind = 2), 0)::integer,
           coalesce(sum(n) FILTER (WHERE kind = 3), 0)::integer,
           coalesce(sum(n) FILTER (WHERE kind = 4), 0)::integer,
           coalesce(array_to_string(array_agg(bucket) FILTER (WHERE kind = 1 AND n <> 0), ','), ''),
           coalesce(array_to_string(array_agg(n) FILTER (WHERE kind = 1 AND n <> 0), ','), ''),
           coalesce(array_to_string(array_agg(bucket) FILTER (WHERE kind = 2 AND n <> 0), ','), ''),
           coalesce(array_to_string(array_agg(n) FILTER (WHERE kind = 2 AND n <> 0), ','), '')
    FROM cell
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    HAVING bool_or(n <> 0 OR n_target <> 0 OR n_on_time <> 0)
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT ({", ".join(KEYS)}) DO UPDATE SET
        {", ".join(f"{m} = s.{m} + excluded.{m}" for m in MEASURES)},
        {hist.format(kind="close")},
        {hist.format(kind="response")}"""


def _change(sign: str, row: str, layer: str = "0", area: str = "0") -> str:
    """The CHANGE columns of a request row ``row``."""
    return (
        f"{sign}, {row}.jurisdiction_id, {layer}, {area}, {row}.service_id, coalesce({row}.department_id, 0), "
        f"{row}.status, {row}.requested_datetime, {row}.closed_datetime, {row}.first_response_datetime, "
        f"{row}.expected_datetime"
    )


PENDING = ", ".join(CHANGE)
COUNTED = (
    "jurisdiction_id", "service_id", "department_id", "status", "requested_datetime", "closed_datetime",
    "first_response_datetime", "expected_datetime",
)  # fmt: skip

# Folding: one transaction at a time (an advisory lock; a busy fold is skipped, the next one takes all).
FOLD = f"""
CREATE FUNCTION stats_fold() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(311311, 1) THEN RETURN; END IF;
    WITH moved AS (DELETE FROM stats_pending RETURNING {PENDING})
    {_pipeline("SELECT * FROM moved").strip()};
    DELETE FROM request_stats
    WHERE jurisdiction_id IN (SELECT id FROM jurisdiction) AND cuboid = 0 AND grain = 'd'
      AND period < current_date - {RECENT_DAYS};
END
$$;

CREATE FUNCTION stats_pending_added(added bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
BEGIN
    IF added = 0 THEN RETURN; END IF;
    last := currval('stats_pending_id_seq');
    IF last / {FOLD_EVERY} > (last - added) / {FOLD_EVERY} THEN
        PERFORM stats_fold();
    END IF;
END
$$
"""

TRIGGERS = f"""
CREATE FUNCTION stats_requests_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added bigint;
BEGIN
    IF current_setting('open311.statistics', true) = 'off' THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_pending ({PENDING}) SELECT {_change("1", "n")} FROM new_rows AS n;
    ELSIF TG_OP = 'DELETE' THEN
        -- (each deleted request's areas were taken off by stats_request_deleting, before the cascade)
        INSERT INTO stats_pending ({PENDING}) SELECT {_change("-1", "o")} FROM old_rows AS o;
    ELSE
        INSERT INTO stats_pending ({PENDING})
        WITH changed AS (
            SELECT o, n FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE ({", ".join(f"o.{c}" for c in COUNTED)}) IS DISTINCT FROM ({", ".join(f"n.{c}" for c in COUNTED)})
        )
        SELECT {_change("-1", "(c.o)")} FROM changed AS c
        UNION ALL SELECT {_change("1", "(c.n)")} FROM changed AS c
        UNION ALL SELECT {_change("-1", "(c.o)", "a.layer_id", "a.area_id")}
            FROM changed AS c JOIN service_request_area AS a ON a.request_id = (c.n).id
        UNION ALL SELECT {_change("1", "(c.n)", "a.layer_id", "a.area_id")}
            FROM changed AS c JOIN service_request_area AS a ON a.request_id = (c.n).id;
    END IF;
    GET DIAGNOSTICS added = ROW_COUNT;
    PERFORM stats_pending_added(added);
    RETURN NULL;
END
$$;

CREATE FUNCTION stats_request_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('open311.statistics', true) = 'off' THEN RETURN OLD; END IF;
    INSERT INTO stats_pending ({PENDING})
    SELECT {_change("-1", "OLD", "a.layer_id", "a.area_id")} FROM service_request_area AS a WHERE a.request_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE FUNCTION stats_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added bigint := 0;
    more bigint;
BEGIN
    IF current_setting('open311.statistics', true) = 'off' THEN RETURN NULL; END IF;
    -- A request deleted in this statement (cascade) is gone: stats_request_deleting took its areas off.
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO stats_pending ({PENDING})
        SELECT {_change("1", "r", "a.layer_id", "a.area_id")}
        FROM new_rows AS a JOIN service_request AS r ON r.id = a.request_id;
        GET DIAGNOSTICS added = ROW_COUNT;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO stats_pending ({PENDING})
        SELECT {_change("-1", "r", "a.layer_id", "a.area_id")}
        FROM old_rows AS a JOIN service_request AS r ON r.id = a.request_id;
        GET DIAGNOSTICS more = ROW_COUNT;
        added := added + more;
    END IF;
    PERFORM stats_pending_added(added);
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_inserted AFTER INSERT ON service_request
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_requests_changed();
CREATE TRIGGER stats_updated AFTER UPDATE ON service_request
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION stats_requests_changed();
CREATE TRIGGER stats_deleted AFTER DELETE ON service_request
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_requests_changed();
CREATE TRIGGER stats_deleting BEFORE DELETE ON service_request
    FOR EACH ROW EXECUTE FUNCTION stats_request_deleting();
CREATE TRIGGER stats_areas_inserted AFTER INSERT ON service_request_area
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_areas_changed();
CREATE TRIGGER stats_areas_updated AFTER UPDATE ON service_request_area
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION stats_areas_changed();
CREATE TRIGGER stats_areas_deleted AFTER DELETE ON service_request_area
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_areas_changed();

-- Closing and first answers, only when the status is not received (a POST never runs it).
CREATE TRIGGER stats_times_inserted BEFORE INSERT ON service_request FOR EACH ROW
    WHEN (NEW.detailed_status <> 'received') EXECUTE FUNCTION stats_request_times();
CREATE TRIGGER stats_times_updated BEFORE UPDATE OF detailed_status ON service_request FOR EACH ROW
    WHEN (OLD.detailed_status IS DISTINCT FROM NEW.detailed_status) EXECUTE FUNCTION stats_request_times();
"""

REBUILD = f"""
CREATE FUNCTION stats_rebuild(jurisdiction integer, chunk integer DEFAULT 200000) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first_id bigint;
    last_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(311311, 1);
    PERFORM set_config('work_mem', '256MB', true);
    DELETE FROM request_stats WHERE jurisdiction_id = jurisdiction;
    DELETE FROM stats_pending WHERE jurisdiction_id = jurisdiction;
    SELECT min(id), max(id) INTO first_id, last_id FROM service_request WHERE jurisdiction_id = jurisdiction;
    WHILE first_id <= last_id LOOP
        {
    _pipeline(
        f"SELECT {_change('1', 'r')} FROM service_request AS r "
        "WHERE r.jurisdiction_id = jurisdiction AND r.id >= first_id AND r.id < first_id + chunk "
        f"UNION ALL SELECT {_change('1', 'r', 'a.layer_id', 'a.area_id')} "
        "FROM service_request AS r JOIN service_request_area AS a ON a.request_id = r.id "
        "WHERE r.jurisdiction_id = jurisdiction AND r.id >= first_id AND r.id < first_id + chunk"
    ).strip()
};
        first_id := first_id + chunk;
    END LOOP;
END
$$;

CREATE FUNCTION stats_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_rebuild(NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_time_zone AFTER UPDATE OF time_zone ON jurisdiction FOR EACH ROW
    WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION stats_time_zone_changed();

CREATE FUNCTION stats_jurisdictions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM request_stats WHERE jurisdiction_id IN (SELECT id FROM old_rows);
    DELETE FROM stats_pending WHERE jurisdiction_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_jurisdictions_deleted AFTER DELETE ON jurisdiction
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_jurisdictions_deleted();
"""

# Existing requests: the times from their history (the last change into a closed status, the first
# change of status), else their updated_datetime; then every jurisdiction's rollups.
BACKFILL = f"""
UPDATE service_request AS r SET
    closed_datetime = CASE WHEN r.detailed_status IN ({CLOSED}) THEN coalesce(
        (SELECT max(u.created) FROM request_update AS u
         WHERE u.request_id = r.id AND u.new_status IN ({CLOSED})
           AND (u.old_status IS NULL OR u.old_status NOT IN ({CLOSED}))),
        r.updated_datetime) END,
    first_response_datetime = coalesce(
        (SELECT min(u.created) FROM request_update AS u
         WHERE u.request_id = r.id AND u.kind <> 'created' AND u.new_status IS DISTINCT FROM u.old_status),
        CASE WHEN r.detailed_status <> 'received' THEN r.updated_datetime END)
"""

FUNCTIONS = (
    "stats_jurisdictions_deleted()", "stats_time_zone_changed()", "stats_rebuild(integer, integer)",
    "stats_areas_changed()", "stats_request_deleting()", "stats_requests_changed()", "stats_pending_added(bigint)",
    "stats_fold()", "stats_request_times()", "stats_events(timestamptz, timestamptz, timestamptz, timestamptz, text)", "stats_hist_add(text, text, text, text)",
    "stats_bucket(interval)",
)  # fmt: skip


def upgrade() -> None:
    # closed_datetime is the open data migration's (odata3); its trigger and this one agree on it.
    op.add_column("service_request", sa.Column("first_response_datetime", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "request_stats",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("cuboid", sa.SmallInteger(), nullable=False),
        sa.Column("grain", sa.CHAR(1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(6), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        *[
            sa.Column(name, sa.Text(), nullable=False)
            for name in ("close_buckets", "close_counts", "response_buckets", "response_counts")
        ],
        sa.PrimaryKeyConstraint(*KEYS, name=op.f("pk_request_stats")),
        postgresql_with={"fillfactor": 80},
    )
    op.create_table(
        "stats_pending",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(6), nullable=False),
        sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_pending")),
    )
    op.execute(BUCKET)
    op.execute(HIST_ADD)
    op.execute(EVENTS)
    op.execute(REQUEST_TIMES)
    op.execute(FOLD)
    op.execute(TRIGGERS)
    op.execute(REBUILD)
    op.execute("SET LOCAL open311.statistics = 'off'")
    op.execute(BACKFILL)
    op.execute("SET LOCAL open311.statistics = 'on'")
    op.execute("SELECT stats_rebuild(id) FROM jurisdiction")


def downgrade() -> None:
    op.execute("DROP TRIGGER stats_jurisdictions_deleted ON jurisdiction")
    op.execute("DROP TRIGGER stats_time_zone ON jurisdiction")
    for trigger in ("stats_inserted", "stats_updated", "stats_deleted", "stats_deleting", "stats_times_inserted",
                    "stats_times_updated"):  # fmt: skip
        op.execute(f"DROP TRIGGER {trigger} ON service_request")
    for trigger in ("stats_areas_inserted", "stats_areas_updated", "stats_areas_deleted"):
        op.execute(f"DROP TRIGGER {trigger} ON service_request_area")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP TYPE stats_hist")
    op.drop_table("stats_pending")
    op.drop_table("request_stats")
    op.drop_column("service_request", "first_response_datetime")
