-- The append's check under the school's lock (docs/decisions.md, "Each append is one Marten
-- session..."). The store reads a stream's version and any earlier result of its command id
-- before it locks, so that the lock is held only from the first statement of Marten's batch to
-- the commit; this function, the batch's second statement, runs under the lock and refuses
-- (LDG20, nothing written) when either changed meanwhile. The store then reads again and decides
-- again: a concurrent retry of the same command replays, a stale If-Match is a 412.
-- VOLATILE: its queries take their snapshots after the lock, not at the statement's start.
CREATE FUNCTION ledger.append_guard(p_tenant text, p_stream text, p_version bigint, p_command text)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT s.version FROM marten.mt_streams s WHERE s.tenant_id = p_tenant AND s.id = p_stream) IS DISTINCT FROM p_version
       OR (p_command IS NOT NULL AND EXISTS (SELECT 1 FROM ledger.chain c WHERE c.tenant = p_tenant AND c.command_id = p_command)) THEN
        RAISE EXCEPTION 'the stream % of % changed before its append took the lock', p_stream, p_tenant
            USING ERRCODE = 'LDG20';
    END IF;
END $$;

REVOKE ALL ON FUNCTION ledger.append_guard(text, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.append_guard(text, text, bigint, text) TO ledger_app;
