-- Policy documents as uploaded when a version was published, kept by their SHA-256 (content-
-- addressed), so staff can read the exact text they acknowledge. Not ledger events: the ledger
-- records the fingerprint, which proves which text a version is; a copy held by the school
-- office proves it as well. The database checks each row's bytes against its name, so a row can
-- never serve other text under a version's fingerprint. Rows are added, never changed.
CREATE TABLE ledger.policy_documents (
    tenant          text        NOT NULL,
    document_sha256 text        NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    content_type    text        NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    content         bytea       NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 20971520),
    stored_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, document_sha256),
    CHECK (encode(sha256(content), 'hex') = document_sha256)
);

GRANT SELECT, INSERT ON ledger.policy_documents TO ledger_app;
