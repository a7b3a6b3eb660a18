-- run as ledger_owner AFTER Marten's schema is applied (schema "marten")
CREATE SCHEMA IF NOT EXISTS ledger;
ALTER TABLE marten.mt_events
  ADD COLUMN IF NOT EXISTS chain_position bigint,
  ADD COLUMN IF NOT EXISTS prev_hash bytea,
  ADD COLUMN IF NOT EXISTS hash bytea;
CREATE UNIQUE INDEX IF NOT EXISTS mt_events_chain ON marten.mt_events (tenant_id, chain_position);

-- placeholder digest; the real one is the canonical SQL digest of docs/ledger-format.md
CREATE OR REPLACE FUNCTION ledger.event_digest(e marten.mt_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to(concat_ws(E'\x1f', e.tenant_id, e.stream_id, e.id::text, e.type, e.data::text,
         coalesce(e.user_name,''), coalesce(e.correlation_id,''), coalesce(e.causation_id,''),
         coalesce(e.headers->>'commandId',''),
         to_char(e.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION ledger.chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_pos bigint; v_hash bytea;
BEGIN
  IF NEW.chain_position IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
    RAISE EXCEPTION 'chain columns are assigned by the database' USING ERRCODE = 'LDG11';
  END IF;
  -- one mutex per school, held to commit; same key space as nothing else
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger.chain:' || NEW.tenant_id, 0));
  SELECT e.chain_position, e.hash INTO v_pos, v_hash
    FROM marten.mt_events e WHERE e.tenant_id = NEW.tenant_id
   ORDER BY e.chain_position DESC LIMIT 1;
  IF NOT FOUND THEN
    v_pos := 0; v_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  END IF;
  NEW.chain_position := v_pos + 1;
  NEW.prev_hash := v_hash;
  NEW.hash := sha256(v_hash || int8send(v_pos + 1) || int8send(NEW.version) || ledger.event_digest(NEW));
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS mt_events_chain ON marten.mt_events;
CREATE TRIGGER mt_events_chain BEFORE INSERT ON marten.mt_events
  FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();

CREATE OR REPLACE FUNCTION ledger.reject_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP USING ERRCODE = 'LDG10';
END $$;
DROP TRIGGER IF EXISTS mt_events_append_only ON marten.mt_events;
CREATE TRIGGER mt_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON marten.mt_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

CREATE TABLE IF NOT EXISTS ledger.commands (
  tenant text NOT NULL, command_id text NOT NULL, fingerprint bytea NOT NULL, stream_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant, command_id));
CREATE TABLE IF NOT EXISTS ledger.acks_rm (
  tenant text NOT NULL, chain_position bigint NOT NULL, stream_id text NOT NULL, person_id text, hash bytea,
  PRIMARY KEY (tenant, chain_position));

-- the app: read and append only
GRANT USAGE ON SCHEMA marten, ledger TO ledger_app;
GRANT SELECT, INSERT ON marten.mt_events TO ledger_app;
GRANT SELECT, INSERT ON ledger.commands TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON ledger.acks_rm TO ledger_app;
