-- Templates are found by id naming both statuses, as SQLite finds them through
-- its one index (see its 0010); PostgreSQL keeps its primary key and says, as
-- SQLite does, that every template has one of the two.
ALTER TABLE checkout_templates
    ADD CONSTRAINT checkout_templates_status CHECK (status IN ('ACTIVE', 'INACTIVE'));
