-- Carries a ledger written by the hand-written store (ledger.streams, ledger.events) over onto
-- Marten's tables, school by school in chain order (docs/decisions.md, "Onto Marten in steps").
-- Nothing is copied of the chain itself: 040's trigger chains each event again from its own
-- fields, and because the digest is the same bytes (030) every position and hash comes out as
-- before, which the function checks before it returns (LDG14 otherwise, and nothing is kept).
-- Idempotent per school: a school already on Marten's table is left alone. `ledger migrate`
-- calls it at the cut-over (step 2); until then only the tests do.
CREATE FUNCTION ledger.carry_over_to_marten() RETURNS TABLE (tenant text, events bigint, head_hash bytea)
LANGUAGE plpgsql AS $$
DECLARE
    v_tenant text;
BEGIN
    FOR v_tenant IN
        SELECT h.tenant FROM ledger.chain_heads h
         WHERE h.position > 0 AND NOT EXISTS (SELECT FROM ledger.chain c WHERE c.tenant = h.tenant)
         ORDER BY h.tenant
    LOOP
        INSERT INTO marten.mt_streams (tenant_id, id, type, version, timestamp, created)
             SELECT s.tenant, s.stream_id, s.stream_type, s.version, s.created_at, s.created_at
               FROM ledger.streams s WHERE s.tenant = v_tenant;
        -- One row at a time in chain order: the row trigger links each to the one before.
        INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id,
                                      correlation_id, causation_id, headers, user_name)
             SELECT nextval('marten.mt_events_sequence'), e.event_id, e.stream_id, e.stream_version, e.data,
                    e.event_type, e.recorded_at, e.tenant, e.correlation_id, e.causation_id,
                    CASE WHEN e.command_id IS NULL THEN NULL ELSE jsonb_build_object('commandId', e.command_id) END,
                    e.actor
               FROM ledger.events e WHERE e.tenant = v_tenant
              ORDER BY e.chain_position;
        IF EXISTS (SELECT FROM ledger.events e
                     LEFT JOIN ledger.chain c ON c.tenant = e.tenant AND c.chain_position = e.chain_position
                    WHERE e.tenant = v_tenant AND (c.hash IS DISTINCT FROM e.hash OR c.prev_hash IS DISTINCT FROM e.prev_hash))
           OR (SELECT count(*) FROM ledger.chain c WHERE c.tenant = v_tenant)
              <> (SELECT count(*) FROM ledger.events e WHERE e.tenant = v_tenant) THEN
            RAISE EXCEPTION 'school %: the chain on Marten''s table differs from the ledger it was carried from', v_tenant
                USING ERRCODE = 'LDG14';
        END IF;
        tenant := v_tenant;
        SELECT count(*), (array_agg(c.hash ORDER BY c.chain_position DESC))[1] INTO events, head_hash
          FROM ledger.chain c WHERE c.tenant = v_tenant;
        RETURN NEXT;
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION ledger.carry_over_to_marten() FROM PUBLIC;
