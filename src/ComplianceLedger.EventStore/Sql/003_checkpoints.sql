-- Signed checkpoints: a server key vouches for a tenant's head hash at a position.
CREATE TABLE ledger.signing_keys (
    key_id      text        PRIMARY KEY,
    public_key  bytea       NOT NULL,  -- SubjectPublicKeyInfo (DER), ECDSA P-256
    first_used  timestamptz NOT NULL
);

CREATE TABLE ledger.checkpoints (
    tenant     text        NOT NULL,
    position   bigint      NOT NULL,
    head_hash  bytea       NOT NULL CHECK (octet_length(head_hash) = 32),
    issued_at  timestamptz NOT NULL,
    key_id     text        NOT NULL REFERENCES ledger.signing_keys (key_id),
    signature  bytea       NOT NULL,  -- IEEE P1363 r||s, 64 bytes
    PRIMARY KEY (tenant, position)
);

CREATE TRIGGER checkpoints_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();

CREATE TRIGGER signing_keys_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger.signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.reject_rewrite();
