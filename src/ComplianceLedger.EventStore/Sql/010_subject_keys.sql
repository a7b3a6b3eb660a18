-- Per-subject keys for personal data (crypto-shredding). Events carry personal details only
-- as ciphertext sealed with the subject's key; destroying the key erases those details from
-- every event, export and read model at once, while every hash in the chain still verifies.
CREATE TABLE ledger.subject_keys (
    tenant      text        NOT NULL,
    subject_id  uuid        NOT NULL,
    key         bytea       CHECK (key IS NULL OR octet_length(key) = 32),  -- AES-256-GCM; NULL once shredded
    created_at  timestamptz NOT NULL,
    shredded_at timestamptz,
    shredded_by text,
    PRIMARY KEY (tenant, subject_id),
    CHECK ((key IS NULL) = (shredded_at IS NOT NULL))
);

-- A key can be created and destroyed, never replaced or brought back.
CREATE FUNCTION ledger.subject_key_only_shreds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.key IS NULL OR NEW.key IS NOT NULL OR NEW.tenant <> OLD.tenant OR NEW.subject_id <> OLD.subject_id
       OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'a subject key may only be shredded' USING ERRCODE = 'LDG11';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER subject_keys_only_shred
    BEFORE UPDATE ON ledger.subject_keys
    FOR EACH ROW EXECUTE FUNCTION ledger.subject_key_only_shreds();

GRANT SELECT, INSERT ON ledger.subject_keys TO ledger_app;
GRANT UPDATE (key, shredded_at, shredded_by) ON ledger.subject_keys TO ledger_app;
