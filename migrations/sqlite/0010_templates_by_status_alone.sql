-- Each index ordered by a random id takes a page at a random place in every
-- commit that creates a template. Templates are now found by id through their
-- one index, (site_id, status, id), naming both statuses (two probes), and a
-- query page merges the two statuses' runs of it in order; the index on
-- (site_id, id) goes. Ids are random GUIDs the emulator makes (a snapshot
-- names each at most once), so nothing relied on that index being unique.
-- The table is made again to say, with a CHECK, that every template has one
-- of the two statuses its lookups name; rows keep the order they were made.
CREATE TABLE checkout_templates_checked (
    site_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    version    BIGINT  NOT NULL DEFAULT 1
);
INSERT INTO checkout_templates_checked (site_id, id, status, body, created_at, updated_at, version)
    SELECT site_id, id, status, body, created_at, updated_at, version FROM checkout_templates
    ORDER BY rowid;
DROP TABLE checkout_templates;
ALTER TABLE checkout_templates_checked RENAME TO checkout_templates;
CREATE INDEX checkout_templates_by_status ON checkout_templates (site_id, status, id);
