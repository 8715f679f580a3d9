-- SQLite only (it rebuilds templates as a WITHOUT ROWID table); PostgreSQL's
-- index scans already fetch by primary key. Kept so both engines share versions.
SELECT 1;
