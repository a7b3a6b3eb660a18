-- The event store: streams, the per-tenant hash chain, and the events themselves.
-- See docs/ledger-format.md for the exact bytes that are hashed.
CREATE SCHEMA IF NOT EXISTS ledger AUTHORIZATION ledger_owner;

CREATE TABLE ledger.streams (
    tenant      text        NOT NULL,
    stream_id   text        NOT NULL,
    stream_type text        NOT NULL,
    version     bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    archived    boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, stream_id)
);

-- One row per tenant: the last chain position and its hash. Locking this row is the
-- tenant's append mutex, so tenants append in parallel and each chain stays linear.
CREATE TABLE ledger.chain_heads (
    tenant   text   PRIMARY KEY,
    position bigint NOT NULL,
    hash     bytea  NOT NULL CHECK (octet_length(hash) = 32)
);

CREATE TABLE ledger.events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY,
    tenant          text        NOT NULL,
    chain_position  bigint      NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    data            jsonb       NOT NULL,
    actor           text        NOT NULL,
    correlation_id  text,
    causation_id    text,
    command_id      text,
    recorded_at     timestamptz NOT NULL,
    prev_hash       bytea       NOT NULL,
    hash            bytea       NOT NULL,
    PRIMARY KEY (tenant, chain_position),
    UNIQUE (tenant, stream_id, stream_version)
);
CREATE UNIQUE INDEX events_global_position ON ledger.events (global_position);
CREATE INDEX events_command ON ledger.events (tenant, command_id) WHERE command_id IS NOT NULL;

-- History is append-only for every role, owner and superuser included: rewriting it
-- takes an explicit, visible act (disabling this trigger), which the chain then exposes.
CREATE FUNCTION ledger.reject_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'LDG10';
END $$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

-- Appends events to one stream in one round trip.
--   p_expected_version: NULL = any, 0 = the stream must not exist, n = the stream must be at n.
--   p_digests: SHA-256 of each event's canonical encoding, computed by the caller.
-- The link hash is SHA-256(prev hash || be64 chain position || be64 stream version || digest).
-- Errors: LDG01 wrong expected version (HINT carries the actual version; Npgsql redacts DETAIL), LDG02 command id reused for another stream.
CREATE FUNCTION ledger.append_events(
    p_tenant           text,
    p_stream_id        text,
    p_stream_type      text,
    p_expected_version bigint,
    p_command_id       text,
    p_actor            text,
    p_correlation_id   text,
    p_causation_id     text,
    p_recorded_at      timestamptz,
    p_event_ids        uuid[],
    p_event_types      text[],
    p_data             text[],
    p_digests          bytea[])
RETURNS TABLE (o_chain_position bigint, o_stream_version bigint, o_global_position bigint, o_replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_count          int := cardinality(p_event_ids);
    v_head_position  bigint;
    v_head_hash      bytea;
    v_stream_version bigint;
    v_prev           bytea;
    v_hash           bytea;
BEGIN
    SELECT position, hash INTO v_head_position, v_head_hash
      FROM ledger.chain_heads WHERE tenant = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO ledger.chain_heads (tenant, position, hash)
             VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
        ON CONFLICT DO NOTHING;
        SELECT position, hash INTO v_head_position, v_head_hash
          FROM ledger.chain_heads WHERE tenant = p_tenant FOR UPDATE;
    END IF;

    -- With the tenant locked, this look-up cannot race a concurrent retry.
    IF p_command_id IS NOT NULL THEN
        IF EXISTS (SELECT FROM ledger.events e
                    WHERE e.tenant = p_tenant AND e.command_id = p_command_id AND e.stream_id <> p_stream_id) THEN
            RAISE EXCEPTION 'command % was already used on another stream', p_command_id USING ERRCODE = 'LDG02';
        END IF;
        RETURN QUERY
            SELECT e.chain_position, e.stream_version, e.global_position, true
              FROM ledger.events e
             WHERE e.tenant = p_tenant AND e.command_id = p_command_id
             ORDER BY e.chain_position;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;

    SELECT s.version INTO v_stream_version
      FROM ledger.streams s WHERE s.tenant = p_tenant AND s.stream_id = p_stream_id;
    IF NOT FOUND THEN
        IF p_expected_version IS NOT NULL AND p_expected_version <> 0 THEN
            RAISE EXCEPTION 'stream % does not exist; expected version %', p_stream_id, p_expected_version
                USING ERRCODE = 'LDG01', HINT = '0';
        END IF;
        v_stream_version := 0;
        INSERT INTO ledger.streams (tenant, stream_id, stream_type, version, created_at)
             VALUES (p_tenant, p_stream_id, p_stream_type, v_count, p_recorded_at);
    ELSE
        IF p_expected_version IS NOT NULL AND p_expected_version <> v_stream_version THEN
            RAISE EXCEPTION 'stream % is at version %; expected version %', p_stream_id, v_stream_version, p_expected_version
                USING ERRCODE = 'LDG01', HINT = v_stream_version::text;
        END IF;
        UPDATE ledger.streams SET version = version + v_count
         WHERE tenant = p_tenant AND stream_id = p_stream_id;
    END IF;

    v_prev := v_head_hash;
    FOR i IN 1 .. v_count LOOP
        v_hash := sha256(v_prev || int8send(v_head_position + i) || int8send(v_stream_version + i) || p_digests[i]);
        o_chain_position := v_head_position + i;
        o_stream_version := v_stream_version + i;
        o_replayed := false;
        INSERT INTO ledger.events (tenant, chain_position, stream_id, stream_version, event_id, event_type, data,
                                   actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash)
             VALUES (p_tenant, o_chain_position, p_stream_id, o_stream_version, p_event_ids[i], p_event_types[i],
                     p_data[i]::jsonb, p_actor, p_correlation_id, p_causation_id, p_command_id, p_recorded_at,
                     v_prev, v_hash)
          RETURNING global_position INTO o_global_position;
        RETURN NEXT;
        v_prev := v_hash;
    END LOOP;

    UPDATE ledger.chain_heads SET position = v_head_position + v_count, hash = v_prev WHERE tenant = p_tenant;
END $$;
