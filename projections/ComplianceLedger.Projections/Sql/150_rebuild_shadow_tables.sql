-- A full rebuild (every read model, every tenant) replays into tables of rm_shadow and swaps them
-- in whole, instead of deleting and re-inserting every live row. The application role does not
-- own the read models, so creating, finishing, swapping and dropping shadow tables goes through
-- these functions, which run as their owner and act only on tables of rm by name.
CREATE SCHEMA IF NOT EXISTS rm_shadow AUTHORIZATION ledger_owner;
GRANT USAGE ON SCHEMA rm_shadow TO ledger_app;

-- Every name must be an ordinary table of rm: nothing else can be shadowed or replaced.
CREATE FUNCTION rm.rebuild_shadow_check(tables text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'rm' AND c.relname = t AND c.relkind = 'r') THEN
            RAISE EXCEPTION 'rm.% is not a read-model table', t USING ERRCODE = 'undefined_table';
        END IF;
    END LOOP;
END $$;

-- The live table's primary key and unique constraints, on its shadow, under the same names.
CREATE FUNCTION rm.rebuild_shadow_keys(t text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT con.conname, pg_get_constraintdef(con.oid) AS def
               FROM pg_constraint con
              WHERE con.conrelid = format('rm.%I', t)::regclass AND con.contype IN ('p', 'u')
                AND NOT EXISTS (SELECT FROM pg_constraint s WHERE s.conrelid = format('rm_shadow.%I', t)::regclass AND s.conname = con.conname)
              ORDER BY con.conname LOOP
        EXECUTE format('ALTER TABLE rm_shadow.%I ADD CONSTRAINT %I %s', t, r.conname, r.def);
    END LOOP;
END $$;

-- Empty copies of the live tables: columns, defaults, checks, the live grants, and only the
-- primary key and unique constraints (the replay's upserts need them), except on tables only
-- ever inserted into (insert_only), whose keys are built after the load like the other indexes
-- (rebuild_shadow_finish). Autovacuum stays off while loading: it would only scan tables still
-- being filled, and its lock would hold up the index builds.
CREATE FUNCTION rm.rebuild_shadow_create(tables text[], insert_only text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    r record;
BEGIN
    PERFORM rm.rebuild_shadow_check(tables);
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DROP TABLE IF EXISTS rm_shadow.%I', t);
        EXECUTE format('CREATE TABLE rm_shadow.%I (LIKE rm.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                       'INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMPRESSION) '
                       'WITH (autovacuum_enabled = false, toast.autovacuum_enabled = false)', t, t);
        IF NOT t = ANY (insert_only) THEN
            PERFORM rm.rebuild_shadow_keys(t);
        END IF;
        FOR r IN SELECT a.privilege_type, a.grantee::regrole::text AS grantee
                   FROM pg_class c, aclexplode(c.relacl) a
                  WHERE c.oid = format('rm.%I', t)::regclass AND a.grantee <> c.relowner AND a.grantee <> 0 LOOP
            EXECUTE format('GRANT %s ON rm_shadow.%I TO %s', r.privilege_type, t, r.grantee);
        END LOOP;
    END LOOP;
END $$;

-- The live tables' other indexes, built once over the loaded rows, and fresh statistics so the
-- dashboards' first queries after the swap plan well. Readers of the live tables are not held up.
CREATE FUNCTION rm.rebuild_shadow_finish(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    r record;
BEGIN
    PERFORM rm.rebuild_shadow_check(tables);
    FOREACH t IN ARRAY tables LOOP
        PERFORM rm.rebuild_shadow_keys(t);
        FOR r IN SELECT pg_get_indexdef(x.indexrelid) AS def
                   FROM pg_index x
                  WHERE x.indrelid = format('rm.%I', t)::regclass
                    AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid)
                  ORDER BY x.indexrelid LOOP
            EXECUTE regexp_replace(r.def, ' ON rm\.', ' ON rm_shadow.');
        END LOOP;
        EXECUTE format('ANALYZE rm_shadow.%I', t);
    END LOOP;
END $$;

-- Replaces each live table by its shadow copy. The caller holds the live tables in ACCESS
-- EXCLUSIVE mode (taken with a lock timeout and retried). The live tables' triggers are
-- recreated on the new ones, and rm.compliance_counts, which its triggers keep, is recounted.
CREATE FUNCTION rm.rebuild_shadow_swap(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    triggers text[];
    def text;
BEGIN
    PERFORM rm.rebuild_shadow_check(tables);
    FOREACH t IN ARRAY tables LOOP
        IF to_regclass(format('rm_shadow.%I', t)) IS NULL THEN
            RAISE EXCEPTION 'rm_shadow.% does not exist', t USING ERRCODE = 'undefined_table';
        END IF;
        SELECT array_agg(pg_get_triggerdef(tg.oid) ORDER BY tg.tgname) INTO triggers
          FROM pg_trigger tg WHERE tg.tgrelid = format('rm.%I', t)::regclass AND NOT tg.tgisinternal;
        EXECUTE format('DROP TABLE rm.%I', t);
        EXECUTE format('ALTER TABLE rm_shadow.%I SET SCHEMA rm', t);
        EXECUTE format('ALTER TABLE rm.%I RESET (autovacuum_enabled, toast.autovacuum_enabled)', t);
        FOREACH def IN ARRAY COALESCE(triggers, '{}') LOOP
            EXECUTE def;
        END LOOP;
    END LOOP;
    IF 'compliance' = ANY (tables) THEN
        -- The same grouping as rm.compliance_count().
        DELETE FROM rm.compliance_counts;
        INSERT INTO rm.compliance_counts (tenant, rule, scope, roles, status, due_on, n)
        SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END, count(*)::int
          FROM rm.compliance GROUP BY 1, 2, 3, 4, 5, 6;
    END IF;
END $$;

-- After a failed or abandoned rebuild.
CREATE FUNCTION rm.rebuild_shadow_drop(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    PERFORM rm.rebuild_shadow_check(tables);
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DROP TABLE IF EXISTS rm_shadow.%I', t);
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION rm.rebuild_shadow_check(text[]), rm.rebuild_shadow_keys(text), rm.rebuild_shadow_create(text[], text[]),
    rm.rebuild_shadow_finish(text[]), rm.rebuild_shadow_swap(text[]), rm.rebuild_shadow_drop(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rm.rebuild_shadow_create(text[], text[]), rm.rebuild_shadow_finish(text[]), rm.rebuild_shadow_swap(text[]),
    rm.rebuild_shadow_drop(text[]) TO ledger_app;
