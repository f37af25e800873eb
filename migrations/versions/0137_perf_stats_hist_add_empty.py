"""stats_hist_add() returns at once when one of the two histograms is empty

Revision ID: perf6
Revises: perf5
Create Date: 2026-12-01

Extension (issue 13). A fold adds each changed rollup cell's histograms of time to close and to first
response with ``stats_hist_add``, twice per cell, parsing both texts into arrays and merging them
(about 34 µs a call at 10 million requests). The changes of new requests carry no time to close or to
respond, and an import's none to respond: the merge with an empty histogram is the other one, as it
was, now without parsing anything. At 10M, median of 10: the fold a POST makes once in about 128
(255 pending changes of new requests) 47.4 ms before, 22.0 ms after; a fold of 30,000 imported
DansMaRue rows 1.05-1.20 s before, 0.96-0.98 s after. The result is the same text for every input the
rollups hold.
"""

from alembic import op

revision = "perf6"
down_revision = "perf5"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION stats_hist_add(buckets text, counts text, more_buckets text, more_counts text)
RETURNS stats_hist LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    b integer[];
    c integer[];
    mb integer[];
    mc integer[];
    i integer;
    j integer;
BEGIN
    {early}
    b := string_to_array(buckets, ',')::integer[];
    c := string_to_array(counts, ',')::integer[];
    mb := string_to_array(more_buckets, ',')::integer[];
    mc := string_to_array(more_counts, ',')::integer[];
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
EARLY = """IF more_buckets = '' THEN RETURN ROW(buckets, counts)::stats_hist; END IF;
    IF buckets = '' THEN RETURN ROW(more_buckets, more_counts)::stats_hist; END IF;"""


def upgrade() -> None:
    op.execute(_FUNCTION.replace("{early}", EARLY))


def downgrade() -> None:
    op.execute(_FUNCTION.replace("{early}", ""))
