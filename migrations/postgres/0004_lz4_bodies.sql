-- Bodies are JSON of a few KB: lz4 compresses them several times faster than
-- PostgreSQL's default pglz, which was a large share of a click's cost.
-- Servers built without lz4 keep the default.
DO $$
BEGIN
    ALTER TABLE checkout_templates ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE checkouts ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE outbox_events ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; bodies keep the default compression';
END
$$;
