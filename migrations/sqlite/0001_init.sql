-- Emulator settings that must survive restarts (default site and key, cursor secret).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE checkout_templates (
    site_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (site_id, id)
);
CREATE INDEX checkout_templates_by_status ON checkout_templates (site_id, status, id);

CREATE TABLE checkouts (
    site_id     TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    template_id TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (site_id, id)
);

-- Transactional outbox: one row per domain event, written with the change itself.
-- seq orders events; it is the entityEventSequence the webhook carries.
CREATE TABLE outbox_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT   NOT NULL UNIQUE,
    site_id    TEXT   NOT NULL,
    entity_id  TEXT   NOT NULL,
    slug       TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    event_time BIGINT NOT NULL
);
