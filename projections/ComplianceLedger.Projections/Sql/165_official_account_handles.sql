-- The register refuses an account already on it: the same platform and handle (case-insensitive,
-- without a leading @) while not decommissioned. The decision checks first; this index makes two
-- concurrent registrations of one account end with exactly one, because the inline projection
-- writes in the append's transaction and the second append fails on it (answered 409).
-- handle_key is computed by the projection (AccountHandles.Key), so decision and index agree.
-- duplicate_of marks a registration made before this rule existed (or replayed for a rebuild or
-- an "as of" answer) while the same account was already registered: such history stays readable
-- and replayable, and never counts against the index.
ALTER TABLE rm.official_accounts ADD COLUMN handle_key text, ADD COLUMN duplicate_of uuid;

UPDATE rm.official_accounts SET handle_key = lower(regexp_replace(btrim(handle), '^@', ''));

UPDATE rm.official_accounts b
   SET duplicate_of = (SELECT a.account_id FROM rm.official_accounts a
                        WHERE a.tenant = b.tenant AND a.platform = b.platform AND a.handle_key = b.handle_key
                          AND a.registered_position < b.registered_position AND a.decommissioned_on IS NULL
                        ORDER BY a.registered_position LIMIT 1);

ALTER TABLE rm.official_accounts ALTER COLUMN handle_key SET NOT NULL;

CREATE UNIQUE INDEX official_accounts_live_handle ON rm.official_accounts (tenant, platform, handle_key)
    WHERE decommissioned_on IS NULL AND duplicate_of IS NULL;
