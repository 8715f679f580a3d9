-- Templates stored in (site_id, id) order, so a page of a query (which is in
-- id order) reads neighbouring rows instead of one scattered page per row.
CREATE TABLE checkout_templates_by_id (
    site_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    version    BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (site_id, id)
) WITHOUT ROWID;
INSERT INTO checkout_templates_by_id (site_id, id, status, body, created_at, updated_at, version)
    SELECT site_id, id, status, body, created_at, updated_at, version FROM checkout_templates;
DROP TABLE checkout_templates;
ALTER TABLE checkout_templates_by_id RENAME TO checkout_templates;
CREATE INDEX checkout_templates_by_status ON checkout_templates (site_id, status, id);
