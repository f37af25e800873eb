"""listing_version: a per-jurisdiction change counter, bumped by triggers in every transaction that changes
what a listing shows (requests, services, departments, areas, jurisdictions), so that polling clients get
304 Not Modified without any row being read

Revision ID: perf1
Revises: trust1
Create Date: 2026-12-02

The counter is bumped at commit (deferred constraint triggers: the row lock on the counter is held only
while the transaction commits, and a transaction bumps each jurisdiction once, however many rows it
changes). A reader that reads the counter before the rows can never label new data with an old version:
either it sees the new counter (atomically with the new rows) or it labels possibly newer rows with the
old version, which only costs the client one more full answer.
"""

import sqlalchemy as sa
from alembic import op

revision = "perf1"
down_revision = "edge3"
branch_labels = None
depends_on = None

#: The jurisdiction a changed request belongs to; 0 stands for "every jurisdiction" (catalogue changes).
FUNCTIONS = """
CREATE FUNCTION listing_change_first(j integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    -- The first change of the jurisdiction's listings in this transaction queues the bump; later ones
    -- do not (the flag is transaction-local and undone with a rolled-back savepoint, like the event).
    IF current_setting('open311.listing_changed_' || j, true) = 'on' THEN
        RETURN false;
    END IF;
    PERFORM set_config('open311.listing_changed_' || j, 'on', true);
    RETURN true;
END $$;

CREATE FUNCTION bump_listing_version(j integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- The counter's row is locked first, then the clock is read: a writer committing later reads a later
    -- time than every reader that found the row unlocked, and changed_at never goes back.
    IF j = 0 THEN
        PERFORM 1 FROM listing_version ORDER BY jurisdiction_id FOR NO KEY UPDATE;
        UPDATE listing_version SET version = version + 1, changed_at = greatest(clock_timestamp(), changed_at);
        INSERT INTO listing_version (jurisdiction_id, version, changed_at)
        SELECT id, 1, clock_timestamp() FROM jurisdiction ORDER BY id
        ON CONFLICT (jurisdiction_id) DO NOTHING;
        RETURN;
    END IF;
    PERFORM 1 FROM listing_version WHERE jurisdiction_id = j FOR NO KEY UPDATE;
    IF FOUND THEN
        UPDATE listing_version SET version = version + 1, changed_at = greatest(clock_timestamp(), changed_at)
        WHERE jurisdiction_id = j;
    ELSE
        INSERT INTO listing_version AS v (jurisdiction_id, version, changed_at)
        SELECT id, 1, clock_timestamp() FROM jurisdiction WHERE id = j
        ON CONFLICT (jurisdiction_id) DO UPDATE
        SET version = v.version + 1, changed_at = greatest(clock_timestamp(), v.changed_at);
    END IF;
END $$;

-- Whether a counter's row read now may give its changed_at as Last-Modified: no writer was committing
-- when it was read (its xmax is 0, or names a transaction that ended before this statement's snapshot:
-- xmax precedes the snapshot's oldest running transaction, compared modulo 2^32 as PostgreSQL does; the
-- writer that created the row leaves its own lock there) and the change is two seconds old.
CREATE FUNCTION listing_settled(locker xid, changed timestamptz) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT statement_timestamp() >= changed + interval '2 seconds' AND (
        locker = '0'::xid
        OR ((locker::text::bigint - pg_snapshot_xmin(pg_current_snapshot())::text::bigint) & 4294967295)
           >= 2147483648)
$$;

CREATE FUNCTION listing_request_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_listing_version(CASE WHEN TG_OP = 'DELETE' THEN OLD.jurisdiction_id ELSE NEW.jurisdiction_id END);
    RETURN NULL;
END $$;

CREATE FUNCTION listing_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_listing_version(0);
    RETURN NULL;
END $$;
"""

REQUEST_TRIGGERS = """
CREATE CONSTRAINT TRIGGER listing_request_written AFTER INSERT OR UPDATE ON service_request
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (listing_change_first(NEW.jurisdiction_id)) EXECUTE FUNCTION listing_request_changed();

CREATE CONSTRAINT TRIGGER listing_request_deleted AFTER DELETE ON service_request
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (listing_change_first(OLD.jurisdiction_id)) EXECUTE FUNCTION listing_request_changed();

CREATE TRIGGER listing_request_truncated AFTER TRUNCATE ON service_request
FOR EACH STATEMENT EXECUTE FUNCTION listing_catalogue_changed();
"""

#: Tables whose rows a listing shows (service names, department names and codes, areas) or that decide
#: which jurisdiction a listing is for.
CATALOGUE_TABLES = ("jurisdiction", "service", "department", "area_layer", "area")

CATALOGUE_TRIGGER = """
CREATE CONSTRAINT TRIGGER listing_catalogue_written AFTER INSERT OR UPDATE OR DELETE ON {table}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (listing_change_first(0)) EXECUTE FUNCTION listing_catalogue_changed()
"""


def upgrade() -> None:
    op.create_table(
        "listing_version",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_listing_version_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jurisdiction_id", name=op.f("pk_listing_version")),
    )
    op.execute(FUNCTIONS)
    op.execute(REQUEST_TRIGGERS)
    for table in CATALOGUE_TABLES:
        op.execute(CATALOGUE_TRIGGER.format(table=table))
    op.execute("SELECT bump_listing_version(0)")


def downgrade() -> None:
    for table in CATALOGUE_TABLES:
        op.execute(f"DROP TRIGGER listing_catalogue_written ON {table}")
    for trigger in ("listing_request_written", "listing_request_deleted", "listing_request_truncated"):
        op.execute(f"DROP TRIGGER {trigger} ON service_request")
    op.execute(
        "DROP FUNCTION listing_catalogue_changed(), listing_request_changed(), bump_listing_version(integer), "
        "listing_change_first(integer), listing_settled(xid, timestamptz)"
    )
    op.drop_table("listing_version")
