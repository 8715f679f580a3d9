-- PostgreSQL already keeps rows in the order they are made; SQLite rebuilds
-- its templates table so (see its 0009). Both: a template's checkouts are
-- indexed in the order they were made, so a click appends to the end of its
-- template's run instead of a random place in it.
DROP INDEX checkouts_by_template;
CREATE INDEX checkouts_by_template ON checkouts (site_id, template_id, created_at, id);
-- The console lists a site's checkouts newest first.
CREATE INDEX checkouts_by_time ON checkouts (site_id, created_at, id);
