-- Reminders and notices (docs/notifications.md). Not ledger events: what is due to be said and
-- when. The ledger records only that a message was sent (reminder.sent.v1).

-- One row per rule instance (an acknowledgement owed, an exception ending...): the next moment it
-- falls due. The Wolverine message scheduled for that moment acts only while it is still the row's
-- (an event that moved the date superseded it; one that made the rule moot deleted the row).
CREATE TABLE ledger.reminders (
    tenant         text        NOT NULL,
    key            text        NOT NULL,
    due_at         timestamptz NOT NULL,
    last_fired_on  date,                 -- the school day the rule last said something
    PRIMARY KEY (tenant, key)
);

-- What is waiting to be sent to a person: ids and dates only, never a name, an address or text
-- (the message is rendered from the ledger when it is sent).
CREATE TABLE ledger.pending_notices (
    tenant      text        NOT NULL,
    id          text        NOT NULL,   -- {person}:{kind}:{subject}:{due_on}: stored twice, stored once
    person_id   uuid        NOT NULL,
    kind        text        NOT NULL,
    subject     text        NOT NULL,   -- what it is about, e.g. the policy id and version, the item id
    about       uuid,                   -- the person it is about, for a copy to the head
    reminder    text        NOT NULL,   -- the rule instance's key, to re-check it is still due
    due_on      date        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    outcome     text CHECK (outcome IN ('sent', 'moot', 'undeliverable')),
    message_id  text,
    settled_at  timestamptz,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX pending_notices_waiting ON ledger.pending_notices (tenant, person_id) WHERE outcome IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON ledger.reminders TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON ledger.pending_notices TO ledger_app;
