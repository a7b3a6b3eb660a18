-- Wolverine's durable messages (scheduled expiries, review reminders) live in their own schema,
-- owned like every other object by ledger_owner. `ledger migrate` makes its tables after this
-- script, as ledger_owner, from Wolverine's own definition (Migrations/WolverineStorage.cs); the
-- default privileges below give the app what Wolverine needs on them and nothing more: rows in
-- and out (envelopes are updated and deleted as they are handled, nodes rewritten), never DDL,
-- never TRUNCATE. The app role runs with AutoBuildMessageStorageOnStartup = None.
CREATE SCHEMA IF NOT EXISTS wolverine AUTHORIZATION ledger_owner;
REVOKE ALL ON SCHEMA wolverine FROM PUBLIC;
GRANT USAGE ON SCHEMA wolverine TO ledger_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledger_owner IN SCHEMA wolverine
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ledger_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledger_owner IN SCHEMA wolverine
    GRANT USAGE, SELECT ON SEQUENCES TO ledger_app;
