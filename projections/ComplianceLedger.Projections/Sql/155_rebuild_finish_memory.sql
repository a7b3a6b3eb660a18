-- A full rebuild's index builds sort every row of the audit trail three times. With the default
-- maintenance_work_mem (64 MB) a million-event ledger's sorts spill to disk and merge; with 256 MB
-- they sort in memory. Each build runs in this backend alone: parallel workers cost more CPU in
-- all (each scans and sorts a part, then the parts are merged), and the rebuild finishes its
-- tables on two connections at once instead. Both settings hold only while the function runs.
ALTER FUNCTION rm.rebuild_shadow_finish(text[]) SET maintenance_work_mem = '256MB' SET max_parallel_maintenance_workers = 0;
