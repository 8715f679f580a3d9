-- Event ids are random GUIDs the emulator makes; a unique index on them cost
-- a random index page per event on the click's and the create's path, and no
-- query needs it (the delivery log finds an event id among a site's events).
ALTER TABLE outbox_events DROP CONSTRAINT IF EXISTS outbox_events_id_key;
