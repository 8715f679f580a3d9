-- Test control. Sites made on demand (POST /_emulator/sites) and their keys,
-- so every instance on the database serves them.
CREATE TABLE emulator_sites (
    id         TEXT COLLATE "C" PRIMARY KEY,
    url        TEXT   NOT NULL,
    currency   TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE emulator_keys (
    key     TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES emulator_sites (id),
    role    TEXT NOT NULL
);
CREATE INDEX emulator_keys_by_site ON emulator_keys (site_id);

-- A site's time is the machine's plus this offset; a site without a row
-- follows the machine.
CREATE TABLE site_clocks (
    site_id       TEXT PRIMARY KEY,
    offset_micros BIGINT NOT NULL
);

-- Fault rules. spec is the rule as a test sent it; remaining counts down a
-- rule that fires a number of times, evaluations numbers the decisions of a
-- rule with a probability, hits counts the times it fired.
CREATE TABLE fault_rules (
    id          TEXT PRIMARY KEY,
    site_id     TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    remaining   BIGINT,
    evaluations BIGINT  NOT NULL DEFAULT 0,
    hits        BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX fault_rules_by_site ON fault_rules (site_id, created_at);

-- The fault rule that shaped a webhook attempt, if one did (as JSON).
ALTER TABLE webhook_attempts ADD COLUMN fault TEXT;
