-- ledger.append_events, same signature, results, errors and chain, with less work per call
-- (measured by ops/bench: docs/benchmarks.md):
--   * one index probe for the command id instead of two: a command's events are all on one
--     stream, so one of them tells whether the id was used elsewhere (LDG02) or is a retry;
--   * the stream's version is bumped by an UPDATE … RETURNING, with no SELECT before it; a
--     new stream (no row updated) is inserted. A wrong expected version raises after the
--     bump, which the error rolls back with everything else.
-- Lock order is unchanged: the tenant's chain head first, then the stream row.
CREATE OR REPLACE FUNCTION ledger.append_events(
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
    v_command_stream text;
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
        SELECT e.stream_id INTO v_command_stream
          FROM ledger.events e WHERE e.tenant = p_tenant AND e.command_id = p_command_id LIMIT 1;
        IF FOUND THEN
            IF v_command_stream <> p_stream_id THEN
                RAISE EXCEPTION 'command % was already used on another stream', p_command_id USING ERRCODE = 'LDG02';
            END IF;
            RETURN QUERY
                SELECT e.chain_position, e.stream_version, e.global_position, true
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

    v_prev := v_head_hash;
    FOR i IN 1 .. v_count LOOP
        o_chain_position := v_head_position + i;
        o_stream_version := v_stream_version + i;
        o_replayed := false;
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
