-- PostgreSQL only (it drops the unique index on event ids): SQLite drops a
-- UNIQUE only by making the table again, and deliveries and their attempts
-- refer to it. Kept so both engines share versions.
SELECT 1;
