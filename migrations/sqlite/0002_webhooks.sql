-- Each app's RSA key pair, generated on first use and kept, so subscribers can
-- pin the public key across restarts.
CREATE TABLE app_keys (
    app_id      TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL
);

-- One row per (event, subscribing app), written in the event's transaction.
-- locked_until is a lease: a dispatcher owns the row until then.
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
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

-- Every attempt, successful or not: the delivery log.
CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   BIGINT  NOT NULL REFERENCES webhook_deliveries (id),
    attempt       INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    latency_ms    BIGINT  NOT NULL,
    response_body TEXT,
    attempted_at  BIGINT  NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);
