-- Signed-in sessions. Not ledger events: a sign-in is not a compliance record. The cookie
-- carries a session id; every request looks it up here, so signing out (the row is deleted)
-- or leaving the school (all the person's rows are deleted) ends the session at once, even
-- for a copy of the cookie replayed later.
CREATE TABLE ledger.sessions (
    session_id   uuid        PRIMARY KEY,
    tenant       text        NOT NULL,
    person_id    uuid        NOT NULL,
    signed_in_at timestamptz NOT NULL DEFAULT now()
);

-- Revoking every session of a person who has left.
CREATE INDEX sessions_by_person ON ledger.sessions (tenant, person_id);
-- Pruning sessions past their longest life.
CREATE INDEX sessions_by_age ON ledger.sessions (signed_in_at);

GRANT SELECT, INSERT, DELETE ON ledger.sessions TO ledger_app;
