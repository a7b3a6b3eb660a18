-- The application reads and appends; it never rewrites history.
GRANT USAGE ON SCHEMA ledger TO ledger_app;
GRANT SELECT, INSERT ON ledger.events, ledger.checkpoints, ledger.signing_keys TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON ledger.streams, ledger.chain_heads TO ledger_app;
GRANT EXECUTE ON FUNCTION ledger.append_events TO ledger_app;
