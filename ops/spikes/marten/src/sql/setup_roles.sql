DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='ledger_owner') THEN CREATE ROLE ledger_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='ledger_app') THEN CREATE ROLE ledger_app LOGIN; END IF;
END $$;
