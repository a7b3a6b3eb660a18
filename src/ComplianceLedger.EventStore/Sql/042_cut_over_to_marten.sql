-- The cut-over (docs/decisions.md, "Onto Marten in steps"): from here every event is in Marten's
-- table, chained by 040's trigger, and what the readers knew as ledger.events, ledger.streams and
-- ledger.chain_heads reads Marten's tables. A ledger written by the hand-written store is carried
-- over first (041), and the carry-over refuses (LDG14, nothing kept) unless every school's
-- positions and hashes come out as before; ledger.carry_overs records what it carried.

-- The command id a chain row was appended under, for the idempotency look-up by (tenant, command).
ALTER TABLE ledger.chain ADD COLUMN command_id text;
CREATE INDEX chain_command ON ledger.chain (tenant, command_id) WHERE command_id IS NOT NULL;

-- The schools with a chain: the chain trigger adds one with its first event.
CREATE TABLE ledger.chain_tenants (
    tenant   text        PRIMARY KEY,
    first_at timestamptz NOT NULL
);
CREATE TRIGGER chain_tenants_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.chain_tenants
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

-- As 040, and now the one trigger on Marten's events table: it also refuses tombstones (040's
-- separate trigger cost a function call per event) and records a school's first event. Measured
-- (docs/benchmarks.md): a head row moved per statement, and a NOTIFY per append, each cost more
-- than the chain itself; heads are now read from the chain (the view below), and the app wakes
-- the projection daemon after its commits (LedgerStore), which polls for everyone else's.
CREATE OR REPLACE FUNCTION ledger.chain_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_position bigint;
    v_prev     bytea;
    v_digests  text := current_setting('ledger.digests', true);
    v_at       int;
    v_digest   bytea;
BEGIN
    IF TG_RELID <> 'marten.mt_events'::regclass THEN
        RAISE EXCEPTION 'ledger.chain is written only by appending events' USING ERRCODE = 'LDG11';
    END IF;
    -- Marten's Rich appends write tombstone events after a failed save: never part of a school's history.
    IF NEW.type = 'tombstone' OR NEW.stream_id = 'mt_tombstone' THEN
        RAISE EXCEPTION 'tombstone events are not part of the ledger' USING ERRCODE = 'LDG12';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'events are appended at READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'LDG13';
    END IF;
    -- A bulk load is chained a statement at a time by ledger.chain_bulk() below.
    IF current_setting('ledger.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('ledger.chain:' || NEW.tenant_id, 0));
    SELECT c.chain_position, c.hash INTO v_position, v_prev
      FROM ledger.chain c WHERE c.tenant = NEW.tenant_id
     ORDER BY c.chain_position DESC LIMIT 1;
    IF NOT FOUND THEN
        v_position := 0;
        v_prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
        INSERT INTO ledger.chain_tenants (tenant, first_at) VALUES (NEW.tenant_id, NEW.timestamp);
    END IF;
    -- The writer may name each event's digest (`<event id>=<64 hex>;`, transaction-local): the
    -- store computes it anyway, and canonical JSON in SQL is the dearest part of the chain. A
    -- digest that does not match the event is no way round the chain: `ledger verify` recomputes
    -- every digest from the stored fields, and the link made with a false one fails there.
    IF v_digests <> '' THEN
        v_at := strpos(v_digests, NEW.id::text || '=');
        IF v_at > 0 THEN
            v_digest := decode(substr(v_digests, v_at + 37, 64), 'hex');
        END IF;
    END IF;
    IF v_digest IS NULL THEN
        v_digest := ledger.event_digest(NEW.tenant_id, NEW.stream_id, NEW.id, NEW.type, NEW.data, COALESCE(NEW.user_name, ''),
                        NEW.correlation_id, NEW.causation_id, NEW.headers ->> 'commandId', NEW.timestamp);
    END IF;
    INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash, command_id)
         VALUES (NEW.tenant_id, v_position + 1, NEW.seq_id, v_prev,
                 sha256(v_prev || int8send(v_position + 1) || int8send(NEW.version) || v_digest),
                 NEW.headers ->> 'commandId');
    RETURN NULL;
END $$;

-- Bulk loads (the importer's COPY, with `ledger.bulk` set for its transaction): the statement's
-- rows are chained together, school by school in seq_id order, instead of one trigger call each
-- (measured 4.0 s for 50,000 rows one by one, against 0.7 s for the rows alone). The loader may
-- name each event's hash (`ledger.links`, `<event id>=<64 hex>;`), computed from the head it read
-- under the school's lock; the statement then takes them as they are, as with a named digest:
-- `ledger verify` recomputes every link, and a false one fails there. Rows without a named hash
-- are linked here, their digests named (`ledger.digests`) or computed.
-- What a loader named for its events: `<event id>=<64 hex>;` lists of digests and of hashes.
CREATE FUNCTION ledger.named(p_digests text, p_links text)
RETURNS TABLE (event_id uuid, digest bytea, hash bytea)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(d.id, l.id), d.value, l.value
      FROM (SELECT split_part(x, '=', 1)::uuid AS id, decode(split_part(x, '=', 2), 'hex') AS value
              FROM unnest(string_to_array(p_digests, ';')) x WHERE x <> '') d
      FULL JOIN (SELECT split_part(x, '=', 1)::uuid AS id, decode(split_part(x, '=', 2), 'hex') AS value
                   FROM unnest(string_to_array(p_links, ';')) x WHERE x <> '') l
        ON l.id = d.id
$$;

CREATE FUNCTION ledger.chain_bulk() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_tenant   text;
    v_position bigint;
    v_prev     bytea;
    v_count    int;
    v_named    int;
    v_seq      bigint[];
    v_prevs    bytea[];
    v_hashes   bytea[];
    v_commands text[];
    r          record;
BEGIN
    IF TG_RELID <> 'marten.mt_events'::regclass THEN
        RAISE EXCEPTION 'ledger.chain is written only by appending events' USING ERRCODE = 'LDG11';
    END IF;
    IF current_setting('ledger.bulk', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'events are appended at READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'LDG13';
    END IF;
    IF EXISTS (SELECT FROM appended a WHERE a.type = 'tombstone' OR a.stream_id = 'mt_tombstone') THEN
        RAISE EXCEPTION 'tombstone events are not part of the ledger' USING ERRCODE = 'LDG12';
    END IF;
    FOR v_tenant IN SELECT DISTINCT a.tenant_id FROM appended a ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('ledger.chain:' || v_tenant, 0));
        SELECT c.chain_position, c.hash INTO v_position, v_prev
          FROM ledger.chain c WHERE c.tenant = v_tenant ORDER BY c.chain_position DESC LIMIT 1;
        IF NOT FOUND THEN
            v_position := 0;
            v_prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
            INSERT INTO ledger.chain_tenants (tenant, first_at)
                 SELECT v_tenant, a.timestamp FROM appended a WHERE a.tenant_id = v_tenant ORDER BY a.seq_id LIMIT 1;
        END IF;
        SELECT count(*), count(n.hash) INTO v_count, v_named
          FROM appended a LEFT JOIN ledger.named(current_setting('ledger.digests', true), current_setting('ledger.links', true)) n ON n.event_id = a.id WHERE a.tenant_id = v_tenant;
        IF v_named = v_count THEN
            -- Every hash named: link them in one statement, each to the one before.
            INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash, command_id)
                 SELECT v_tenant, v_position + row_number() OVER w, a.seq_id,
                        COALESCE(lag(n.hash) OVER w, v_prev), n.hash, a.headers ->> 'commandId'
                   FROM appended a JOIN ledger.named(current_setting('ledger.digests', true), current_setting('ledger.links', true)) n ON n.event_id = a.id
                  WHERE a.tenant_id = v_tenant
                 WINDOW w AS (ORDER BY a.seq_id);
            CONTINUE;
        END IF;
        v_count := 0;
        v_seq := '{}';
        v_prevs := '{}';
        v_hashes := '{}';
        v_commands := '{}';
        FOR r IN
            SELECT a.seq_id, a.version, a.headers ->> 'commandId' AS command_id,
                   COALESCE(n.digest, ledger.event_digest(a.tenant_id, a.stream_id, a.id, a.type, a.data, COALESCE(a.user_name, ''),
                       a.correlation_id, a.causation_id, a.headers ->> 'commandId', a.timestamp)) AS digest
              FROM appended a LEFT JOIN ledger.named(current_setting('ledger.digests', true), current_setting('ledger.links', true)) n ON n.event_id = a.id
             WHERE a.tenant_id = v_tenant ORDER BY a.seq_id
        LOOP
            v_count := v_count + 1;
            v_seq[v_count] := r.seq_id;
            v_prevs[v_count] := v_prev;
            v_prev := sha256(v_prev || int8send(v_position + v_count) || int8send(r.version) || r.digest);
            v_hashes[v_count] := v_prev;
            v_commands[v_count] := r.command_id;
        END LOOP;
        INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash, command_id)
             SELECT v_tenant, v_position + u.i, u.seq, u.prev, u.hash, u.command
               FROM unnest(v_seq, v_prevs, v_hashes, v_commands) WITH ORDINALITY AS u (seq, prev, hash, command, i);
    END LOOP;
    RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION ledger.chain_bulk() FROM PUBLIC;

-- Called only for a bulk load: a function call per statement cost ordinary appends a third.
CREATE TRIGGER mt_events_chain_bulk AFTER INSERT ON marten.mt_events
    REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT WHEN (current_setting('ledger.bulk', true) = 'on')
    EXECUTE FUNCTION ledger.chain_bulk();

-- 040's guard that chain rows come only from the triggers, once per statement rather than per
-- row: a bulk load inserts 50,000 chain rows in one statement.
DROP TRIGGER chain_only_from_events ON ledger.chain;
CREATE TRIGGER chain_only_from_events BEFORE INSERT ON ledger.chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.chain_only_from_events();

DROP TRIGGER mt_events_no_tombstone ON marten.mt_events;
DROP FUNCTION ledger.refuse_tombstone();

-- The carry-over, school by school, recorded for whoever audits the cut-over.
CREATE TABLE ledger.carry_overs (
    tenant     text        PRIMARY KEY,
    events     bigint      NOT NULL,
    head_hash  bytea       NOT NULL,
    carried_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ledger.carry_overs (tenant, events, head_hash)
     SELECT c.tenant, c.events, c.head_hash FROM ledger.carry_over_to_marten() c;
CREATE TRIGGER carry_overs_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.carry_overs
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();
GRANT SELECT ON ledger.carry_overs TO ledger_app;

-- The hand-written store's tables stay, read-only, as they were at the cut-over; nothing writes
-- them again. Its append function goes: it wrote the tables that the names below now read.
DROP FUNCTION ledger.append_events(text, text, text, bigint, text, text, text, text, timestamptz, uuid[], text[], text[], bytea[], bytea);
DROP FUNCTION ledger.carry_over_to_marten();
ALTER TABLE ledger.events RENAME TO events_before_marten;
ALTER TABLE ledger.streams RENAME TO streams_before_marten;
ALTER TABLE ledger.chain_heads RENAME TO chain_heads_before_marten;
DROP TRIGGER chain_heads_notify ON ledger.chain_heads_before_marten;
DROP FUNCTION ledger.notify_appended();
REVOKE INSERT, UPDATE ON ledger.events_before_marten, ledger.streams_before_marten, ledger.chain_heads_before_marten FROM ledger_app;

-- Each school's head, its last position and hash, straight from the chain (one index probe).
CREATE VIEW ledger.chain_heads AS
SELECT t.tenant, l.chain_position AS position, l.hash
  FROM ledger.chain_tenants t
 CROSS JOIN LATERAL (SELECT c.chain_position, c.hash FROM ledger.chain c
                      WHERE c.tenant = t.tenant ORDER BY c.chain_position DESC LIMIT 1) l;

-- The school comes from the chain: a reader's (tenant, chain_position) is the chain's primary key.
-- The command id is the hashed one, from Marten's headers (ledger.chain keeps a copy to look it up by).
CREATE VIEW ledger.events AS
SELECT e.seq_id                   AS global_position,
       c.tenant,
       c.chain_position,
       e.stream_id::text          AS stream_id,
       e.version                  AS stream_version,
       e.id                       AS event_id,
       e.type::text               AS event_type,
       e.data,
       COALESCE(e.user_name, '')::text AS actor,
       e.correlation_id::text     AS correlation_id,
       e.causation_id::text       AS causation_id,
       e.headers ->> 'commandId'  AS command_id,
       e.timestamp                AS recorded_at,
       c.prev_hash,
       c.hash
  FROM ledger.chain c
  JOIN marten.mt_events e ON e.seq_id = c.seq_id;

CREATE VIEW ledger.streams AS
SELECT s.tenant_id::text AS tenant,
       s.id::text        AS stream_id,
       s.type::text      AS stream_type,
       s.version,
       s.created         AS created_at
  FROM marten.mt_streams s;

GRANT SELECT ON ledger.events, ledger.streams, ledger.chain_heads, ledger.chain_tenants TO ledger_app;
