-- Bumped on every update. A checkout is written only if the template still has
-- the version it was built from, so an in-memory copy of a template can never
-- turn into a checkout of a changed, deactivated or deleted one.
ALTER TABLE checkout_templates ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
