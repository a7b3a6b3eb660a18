-- Roles are cluster-wide, so several databases (one per test class, say) may race
-- to create them; the loser of that race simply finds them there.
-- ledger_owner owns the schema and runs migrations; ledger_app is what the
-- application logs in as and may only read and append history.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_owner') THEN
    BEGIN
      CREATE ROLE ledger_owner NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
    BEGIN
      CREATE ROLE ledger_app LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT has_database_privilege('ledger_owner', current_database(), 'CREATE') THEN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO ledger_owner', current_database());
  END IF;
END $$;
