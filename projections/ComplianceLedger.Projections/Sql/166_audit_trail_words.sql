-- The audit trail's lines now use each event type's own words, with people, accounts and policies
-- as tokens ({person:<id>}, {account:<id>}, {policy:<id>}) named when a line is read, so a shredded
-- person reads "erased" without any line being rewritten. Lines written before are replaced by
-- replaying the ledger: the daemon starts the projection again from each school's first event.
TRUNCATE rm.audit_trail;
UPDATE ledger.projection_progress
   SET position = 0, processed = 0, last_recorded_at = NULL, paused_at = NULL, paused_position = NULL, error = NULL, updated_at = now()
 WHERE projection = 'audit-trail';
