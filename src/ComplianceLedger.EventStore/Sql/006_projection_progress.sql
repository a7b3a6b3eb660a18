-- Async projections: how far each projection has got in each tenant's chain, written in the
-- same transaction as the rows it projected. Chain positions are gap-free (a rolled-back append
-- gives its positions back), so "the next event is position + 1" never skips a late commit and
-- never waits for a rolled-back one. docs/projections.md explains.
CREATE TABLE ledger.projection_progress (
    projection      text        NOT NULL,
    tenant          text        NOT NULL,
    position        bigint      NOT NULL DEFAULT 0,  -- the tenant's chain position applied up to
    processed       bigint      NOT NULL DEFAULT 0,  -- events taken in (projected or not relevant)
    last_recorded_at timestamptz,                    -- recorded_at of the event at position
    updated_at      timestamptz NOT NULL DEFAULT now(),
    paused_at       timestamptz,                     -- set on a poison event; cleared by resume
    paused_position bigint,
    error           text,
    PRIMARY KEY (projection, tenant)
);
CREATE INDEX projection_progress_paused ON ledger.projection_progress (projection) WHERE paused_at IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON ledger.projection_progress TO ledger_app;

-- Wake the daemon when a tenant's chain moves; polling covers a lost notification.
CREATE FUNCTION ledger.notify_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ledger_appended', NEW.tenant);
    RETURN NULL;
END $$;

CREATE TRIGGER chain_heads_notify
    AFTER UPDATE OF position ON ledger.chain_heads
    FOR EACH ROW EXECUTE FUNCTION ledger.notify_appended();
