-- Idempotency keys that cannot replay someone else's result (docs/api.md, "Idempotency-Key").
-- The API derives a command id from the key and its scope (school, person, operation) and
-- fingerprints the request (route and canonical body). Each such command is recorded here with
-- its fingerprint, in the append's transaction: a retry with the same fingerprint gets the first
-- result, a different request under the same command id is refused (LDG03) and writes nothing.
-- Rows are kept for ever, like the events they stand for; nothing here is hashed.
CREATE TABLE ledger.commands (
    tenant      text        NOT NULL,
    command_id  text        NOT NULL,
    fingerprint bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
    stream_id   text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, command_id)
);

CREATE TRIGGER commands_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.commands
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

GRANT SELECT, INSERT ON ledger.commands TO ledger_app;

-- ledger.append_events as in 005, plus p_fingerprint and the stream a replay came from.
--   p_fingerprint NULL (store callers, the CLI): the command id alone makes the append
--     idempotent, as before: a retry on the same stream replays, another stream is LDG02.
--   p_fingerprint given (the API): the command is recorded in ledger.commands; a retry with the
--     same fingerprint replays the first result wherever it went (a retried create drew a new
--     stream id), any other fingerprint is LDG03. An id already used without a fingerprint
--     cannot be shown to be the same request, so it is LDG03 too.
-- The check and the append run under the tenant's chain-head lock, so of two concurrent
-- identical requests exactly one writes and the other replays it.
DROP FUNCTION ledger.append_events(text, text, text, bigint, text, text, text, text, timestamptz, uuid[], text[], text[], bytea[]);

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
    p_digests          bytea[],
    p_fingerprint      bytea)
RETURNS TABLE (o_chain_position bigint, o_stream_version bigint, o_global_position bigint, o_replayed boolean, o_stream_id text)
LANGUAGE plpgsql AS $$
DECLARE
    v_count          int := cardinality(p_event_ids);
    v_head_position  bigint;
    v_head_hash      bytea;
    v_stream_version bigint;
    v_command_stream text;
    v_fingerprint    bytea;
    v_known          boolean := false;
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

    -- With the tenant locked, these look-ups cannot race a concurrent retry.
    IF p_command_id IS NOT NULL THEN
        IF p_fingerprint IS NOT NULL THEN
            SELECT c.fingerprint, c.stream_id INTO v_fingerprint, v_command_stream
              FROM ledger.commands c WHERE c.tenant = p_tenant AND c.command_id = p_command_id;
            v_known := FOUND;
        END IF;
        IF NOT v_known THEN
            SELECT e.stream_id INTO v_command_stream
              FROM ledger.events e WHERE e.tenant = p_tenant AND e.command_id = p_command_id LIMIT 1;
            v_known := FOUND;
        END IF;
        IF v_known THEN
            IF p_fingerprint IS NOT NULL AND p_fingerprint IS DISTINCT FROM v_fingerprint THEN
                RAISE EXCEPTION 'command % was already used for a different request', p_command_id USING ERRCODE = 'LDG03';
            END IF;
            IF p_fingerprint IS NULL AND v_command_stream <> p_stream_id THEN
                RAISE EXCEPTION 'command % was already used on another stream', p_command_id USING ERRCODE = 'LDG02';
            END IF;
            RETURN QUERY
                SELECT e.chain_position, e.stream_version, e.global_position, true, e.stream_id
                  FROM ledger.events e
                 WHERE e.tenant = p_tenant AND e.command_id = p_command_id
                 ORDER BY e.chain_position;
            RETURN;
        END IF;
    END IF;

    UPDATE ledger.streams SET version = version + v_count
     WHERE tenant = p_tenant AND stream_id = p_stream_id
    RETURNING version - v_count INTO v_stream_version;
    IF NOT FOUND THEN
        IF p_expected_version IS NOT NULL AND p_expected_version <> 0 THEN
            RAISE EXCEPTION 'stream % does not exist; expected version %', p_stream_id, p_expected_version
                USING ERRCODE = 'LDG01', HINT = '0';
        END IF;
        v_stream_version := 0;
        INSERT INTO ledger.streams (tenant, stream_id, stream_type, version, created_at)
             VALUES (p_tenant, p_stream_id, p_stream_type, v_count, p_recorded_at);
    ELSIF p_expected_version IS NOT NULL AND p_expected_version <> v_stream_version THEN
        RAISE EXCEPTION 'stream % is at version %; expected version %', p_stream_id, v_stream_version, p_expected_version
            USING ERRCODE = 'LDG01', HINT = v_stream_version::text;
    END IF;

    IF p_command_id IS NOT NULL AND p_fingerprint IS NOT NULL THEN
        INSERT INTO ledger.commands (tenant, command_id, fingerprint, stream_id, recorded_at)
             VALUES (p_tenant, p_command_id, p_fingerprint, p_stream_id, p_recorded_at);
    END IF;

    v_prev := v_head_hash;
    FOR i IN 1 .. v_count LOOP
        o_chain_position := v_head_position + i;
        o_stream_version := v_stream_version + i;
        o_replayed := false;
        o_stream_id := p_stream_id;
        v_hash := sha256(v_prev || int8send(o_chain_position) || int8send(o_stream_version) || p_digests[i]);
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

GRANT EXECUTE ON FUNCTION ledger.append_events TO ledger_app;
