-- run as ledger_owner AFTER Marten's schema is applied (Marten in schema "marten", ours in "ledger")
CREATE SCHEMA IF NOT EXISTS ledger;

-- The chain lives beside Marten's table: Marten's schema diff drops unknown columns of mt_events.
CREATE TABLE IF NOT EXISTS ledger.chain (
  tenant         text   NOT NULL,
  chain_position bigint NOT NULL,
  seq_id         bigint NOT NULL UNIQUE,        -- marten.mt_events.seq_id
  prev_hash      bytea  NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash           bytea  NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (tenant, chain_position));

-- placeholder digest; the real one is the canonical SQL digest of docs/ledger-format.md
CREATE OR REPLACE FUNCTION ledger.event_digest(e marten.mt_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to(concat_ws(E'\x1f', e.tenant_id, e.stream_id, e.id::text, e.type, e.data::text,
         coalesce(e.user_name,''), coalesce(e.correlation_id,''), coalesce(e.causation_id,''),
         coalesce(e.headers->>'commandId',''),
         to_char(e.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8'))
$$;

-- SECURITY DEFINER: the app role cannot write ledger.chain itself, only through an event insert.
CREATE OR REPLACE FUNCTION ledger.chain_event() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE v_pos bigint; v_hash bytea; v_new bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger.chain:' || NEW.tenant_id, 0));
  SELECT c.chain_position, c.hash INTO v_pos, v_hash
    FROM ledger.chain c WHERE c.tenant = NEW.tenant_id
   ORDER BY c.chain_position DESC LIMIT 1;
  IF NOT FOUND THEN
    v_pos := 0; v_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  END IF;
  v_new := sha256(v_hash || int8send(v_pos + 1) || int8send(NEW.version) || ledger.event_digest(NEW));
  INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash)
       VALUES (NEW.tenant_id, v_pos + 1, NEW.seq_id, v_hash, v_new);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS mt_events_chain ON marten.mt_events;
CREATE TRIGGER mt_events_chain AFTER INSERT ON marten.mt_events
  FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();

CREATE OR REPLACE FUNCTION ledger.reject_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP USING ERRCODE = 'LDG10';
END $$;
DROP TRIGGER IF EXISTS mt_events_append_only ON marten.mt_events;
CREATE TRIGGER mt_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON marten.mt_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();
DROP TRIGGER IF EXISTS chain_append_only ON ledger.chain;
CREATE TRIGGER chain_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.chain
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
GRANT SELECT ON ledger.chain TO ledger_app;
GRANT SELECT, INSERT ON ledger.commands TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON ledger.acks_rm TO ledger_app;

-- Only the chain trigger may add chain rows (not even the owner by hand): depth 1 = a direct INSERT.
CREATE OR REPLACE FUNCTION ledger.chain_only_from_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'ledger.chain rows are written only by the mt_events chain trigger' USING ERRCODE = 'LDG11';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS chain_only_from_trigger ON ledger.chain;
CREATE TRIGGER chain_only_from_trigger BEFORE INSERT ON ledger.chain
  FOR EACH ROW EXECUTE FUNCTION ledger.chain_only_from_trigger();

-- The view existing readers use (docs/ledger-format.md names), over Marten's table and the chain.
CREATE OR REPLACE VIEW ledger.events AS
SELECT e.seq_id                      AS global_position,
       e.tenant_id::text             AS tenant,
       c.chain_position,
       e.stream_id::text             AS stream_id,
       e.version                     AS stream_version,
       e.id                          AS event_id,
       e.type::text                  AS event_type,
       e.data,
       e.user_name::text             AS actor,
       e.correlation_id::text        AS correlation_id,
       e.causation_id::text          AS causation_id,
       e.headers ->> 'commandId'     AS command_id,
       e.timestamp                   AS recorded_at,
       c.prev_hash,
       c.hash,
       e.headers
  FROM marten.mt_events e
  JOIN ledger.chain c ON c.seq_id = e.seq_id;
GRANT SELECT ON ledger.events TO ledger_app;
