-- Marten's Rich mode writes 'tombstone' events after a failed save; keep them out of every school's chain.
CREATE OR REPLACE FUNCTION ledger.refuse_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'tombstone' OR NEW.stream_id = 'mt_tombstone' THEN
    RAISE EXCEPTION 'tombstone events are not part of the ledger' USING ERRCODE = 'LDG12';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS mt_events_no_tombstone ON marten.mt_events;
CREATE TRIGGER mt_events_no_tombstone BEFORE INSERT ON marten.mt_events
  FOR EACH ROW EXECUTE FUNCTION ledger.refuse_tombstone();
