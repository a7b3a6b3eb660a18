-- The audit trail: one human-readable line per event, for inspectors and governors to filter.
-- Async: nobody needs a line the instant its event commits, and a rebuild replays it cheaply.
-- No personal data in clear: lines carry ids and the event's non-personal fields only.
CREATE TABLE rm.audit_trail (
    tenant      text        NOT NULL,
    position    bigint      NOT NULL,  -- chain position: a double application fails on this key
    recorded_at timestamptz NOT NULL,
    actor       text        NOT NULL,
    event_type  text        NOT NULL,
    stream_id   text        NOT NULL,
    line        text        NOT NULL,
    PRIMARY KEY (tenant, position)
);
CREATE INDEX audit_trail_type ON rm.audit_trail (tenant, event_type, position);
CREATE INDEX audit_trail_actor ON rm.audit_trail (tenant, actor, position);
