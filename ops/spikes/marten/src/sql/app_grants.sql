-- what ledger_app needs beyond SELECT/INSERT on mt_events (found by experiment)
GRANT SELECT, INSERT, UPDATE ON marten.mt_streams TO ledger_app;
GRANT USAGE ON SEQUENCE marten.mt_events_sequence TO ledger_app;
