-- Retention on the IRMS schedule (docs/retention.md). The retention table itself is code and
-- configuration; what lives here is the daily sweep's next moment: one row, and one durable
-- Wolverine message for that moment, written together. A message acts only while its id is still
-- the row's (as reminders do with their moment, 090), so a message scheduled twice (two nodes
-- starting at once) or superseded does nothing, and only the message that acts schedules the next.
CREATE TABLE ledger.retention_schedule (
    id          text        PRIMARY KEY CHECK (id = 'daily'),
    due_at      timestamptz NOT NULL,
    message_id  uuid        NOT NULL,   -- the one message that may act
    last_run_on date                    -- the school day the sweep last ran for
);

-- Erasure events live in the stream personal-data-{subject}; the sweep asks which shredded keys
-- have none yet. Keys shredded under retention, found without a scan of every key.
CREATE INDEX subject_keys_retention ON ledger.subject_keys (tenant) WHERE shredded_by LIKE 'retention:%';

GRANT SELECT, INSERT, UPDATE ON ledger.retention_schedule TO ledger_app;
