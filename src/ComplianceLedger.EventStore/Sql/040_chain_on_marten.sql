-- The hash chain on Marten's events table (docs/decisions.md, "Onto Marten in steps").
-- Marten's objects are made by `ledger migrate` in schema marten before this runs. Each school's
-- events are chained by a trigger, in the inserting transaction, into ledger.chain beside
-- Marten's table (Marten's schema updates drop columns of mt_events they do not know). The
-- digest is the database's own (030), so whoever inserts, ours or not, the event is chained,
-- with the bytes docs/ledger-format.md specifies.
CREATE TABLE ledger.chain (
    tenant         text   NOT NULL,
    chain_position bigint NOT NULL,
    seq_id         bigint NOT NULL UNIQUE,
    prev_hash      bytea  NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash           bytea  NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (tenant, chain_position)
);

-- Runs as the owner: the app role may read the chain but never write it, except by an event.
-- A school's appends queue on its advisory lock (other schools' do not), and the last link is
-- read through the primary key. Measured in the spike: ops/spikes/marten.
CREATE FUNCTION ledger.chain_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_position bigint;
    v_prev     bytea;
BEGIN
    -- A trigger can be pointed at this function from any table (PostgreSQL checks EXECUTE only
    -- when the trigger is made): only Marten's events table chains.
    IF TG_RELID <> 'marten.mt_events'::regclass THEN
        RAISE EXCEPTION 'ledger.chain is written only by appending events' USING ERRCODE = 'LDG11';
    END IF;
    -- Under REPEATABLE READ the last link read would be the snapshot's, not the one committed
    -- by the writer this append waited for, and the append would fail on the key.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'events are appended at READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'LDG13';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('ledger.chain:' || NEW.tenant_id, 0));
    SELECT c.chain_position, c.hash INTO v_position, v_prev
      FROM ledger.chain c WHERE c.tenant = NEW.tenant_id
     ORDER BY c.chain_position DESC LIMIT 1;
    IF NOT FOUND THEN
        v_position := 0;
        v_prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    END IF;
    INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash)
         VALUES (NEW.tenant_id, v_position + 1, NEW.seq_id, v_prev,
                 ledger.link_hash(v_prev, v_position + 1, NEW.version,
                     ledger.event_digest(NEW.tenant_id, NEW.stream_id, NEW.id, NEW.type, NEW.data, COALESCE(NEW.user_name, ''),
                         NEW.correlation_id, NEW.causation_id, NEW.headers ->> 'commandId', NEW.timestamp)));
    RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION ledger.chain_event() FROM PUBLIC;

CREATE TRIGGER mt_events_chain AFTER INSERT ON marten.mt_events
    FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();

-- Chain rows come only from that trigger: not the app, not the owner by hand.
CREATE FUNCTION ledger.chain_only_from_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger.chain is written only by appending events' USING ERRCODE = 'LDG11';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER chain_only_from_events BEFORE INSERT ON ledger.chain
    FOR EACH ROW EXECUTE FUNCTION ledger.chain_only_from_events();

-- History is append-only for every role, as ledger.events is (002); the refusal names the table's schema.
CREATE OR REPLACE FUNCTION ledger.reject_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'LDG10';
END $$;

CREATE TRIGGER mt_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON marten.mt_events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();
CREATE TRIGGER chain_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

-- Marten's Rich appends write tombstone events after a failed save: never part of a school's history.
CREATE FUNCTION ledger.refuse_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type = 'tombstone' OR NEW.stream_id = 'mt_tombstone' THEN
        RAISE EXCEPTION 'tombstone events are not part of the ledger' USING ERRCODE = 'LDG12';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER mt_events_no_tombstone BEFORE INSERT ON marten.mt_events
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_tombstone();

-- The app appends and reads; stream versions are Marten's to bump. A Marten upgrade that adds an
-- object the app must use needs its grant in a new numbered script (no default privileges here).
GRANT USAGE ON SCHEMA marten TO ledger_app;
GRANT SELECT, INSERT ON marten.mt_events TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON marten.mt_streams TO ledger_app;
GRANT USAGE ON SEQUENCE marten.mt_events_sequence TO ledger_app;
GRANT SELECT ON ledger.chain TO ledger_app;
