-- Event ids are random GUIDs the emulator makes; a unique index on them cost
-- a random index page per event on the click's and the create's path, and no
-- query needs it (the delivery log finds an event id among a site's events).
-- SQLite drops a column's UNIQUE only by making the table again. Deliveries
-- refer to events, and attempts to deliveries, so all three are made again,
-- children set aside and dropped first, so that no row ever refers to a row
-- that is gone; the sequence numbers and ids are kept, and so is how far
-- each table's numbering went (rows deleted since are not numbered again).
CREATE TABLE sequence_aside AS SELECT name, seq FROM sqlite_sequence
    WHERE name IN ('outbox_events', 'webhook_deliveries', 'webhook_attempts');
CREATE TABLE outbox_events_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT   NOT NULL,
    site_id    TEXT   NOT NULL,
    entity_id  TEXT   NOT NULL,
    slug       TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    event_time BIGINT NOT NULL
);
INSERT INTO outbox_events_new (seq, id, site_id, entity_id, slug, body, event_time)
    SELECT seq, id, site_id, entity_id, slug, body, event_time FROM outbox_events;
CREATE TABLE deliveries_aside AS SELECT * FROM webhook_deliveries;
CREATE TABLE attempts_aside AS SELECT * FROM webhook_attempts;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE outbox_events;
ALTER TABLE outbox_events_new RENAME TO outbox_events;

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq       BIGINT  NOT NULL REFERENCES outbox_events (seq),
    app_id          TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    locked_until    BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT
);
INSERT INTO webhook_deliveries (id, event_seq, app_id, state, attempts, next_attempt_at, locked_until, created_at, delivered_at)
    SELECT id, event_seq, app_id, state, attempts, next_attempt_at, locked_until, created_at, delivered_at FROM deliveries_aside;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   BIGINT  NOT NULL REFERENCES webhook_deliveries (id),
    attempt       INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    latency_ms    BIGINT  NOT NULL,
    response_body TEXT,
    attempted_at  BIGINT  NOT NULL,
    fault         TEXT
);
INSERT INTO webhook_attempts (id, delivery_id, attempt, status_code, error, latency_ms, response_body, attempted_at, fault)
    SELECT id, delivery_id, attempt, status_code, error, latency_ms, response_body, attempted_at, fault FROM attempts_aside;
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);

INSERT INTO sqlite_sequence (name, seq)
    SELECT name, 0 FROM sequence_aside WHERE name NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence
    SET seq = MAX(seq, (SELECT a.seq FROM sequence_aside a WHERE a.name = sqlite_sequence.name))
    WHERE name IN (SELECT name FROM sequence_aside);

DROP TABLE deliveries_aside;
DROP TABLE attempts_aside;
DROP TABLE sequence_aside;
