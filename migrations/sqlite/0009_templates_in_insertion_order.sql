-- Ids are random, so a table clustered by id took each new template onto a
-- random page of wide rows, and every commit wrote one such page per template.
-- Templates are now kept in the order they are made (appended to the table's
-- last page) and found by id through a narrow index, whose random page is a
-- tenth of the size a table page of templates is.
CREATE TABLE checkout_templates_in_order (
    site_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    version    BIGINT  NOT NULL DEFAULT 1
);
INSERT INTO checkout_templates_in_order (site_id, id, status, body, created_at, updated_at, version)
    SELECT site_id, id, status, body, created_at, updated_at, version FROM checkout_templates
    ORDER BY created_at, id;
DROP TABLE checkout_templates;
ALTER TABLE checkout_templates_in_order RENAME TO checkout_templates;
CREATE UNIQUE INDEX checkout_templates_by_id ON checkout_templates (site_id, id);
CREATE INDEX checkout_templates_by_status ON checkout_templates (site_id, status, id);

-- A template's checkouts in the order they were made: a click appends to the
-- end of its template's run instead of a random place in it.
DROP INDEX checkouts_by_template;
CREATE INDEX checkouts_by_template ON checkouts (site_id, template_id, created_at, id);
-- The console lists a site's checkouts newest first.
CREATE INDEX checkouts_by_time ON checkouts (site_id, created_at, id);
