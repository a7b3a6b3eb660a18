-- Dated facts (170) change how acknowledgement and policy-review verdicts are judged: not-started,
-- late, deadlines from a role's or a return's own date, and a school's verdicts judged for each
-- day (rm.compliance_days). Verdicts written before are judged again by replaying the ledger: the
-- daemon starts the compliance projection again from each school's first event. (170 seeded the
-- dated role and leave tables from the people as they stood; `ledger rebuild facts` replays them
-- from the events, for a ledger that recorded dated role changes or returns before 170.)
DELETE FROM rm.compliance WHERE rule IN ('acknowledgement', 'policy-review');
DELETE FROM rm.compliance_days;
UPDATE ledger.projection_progress
   SET position = 0, processed = 0, last_recorded_at = NULL, paused_at = NULL, paused_position = NULL, error = NULL, updated_at = now()
 WHERE projection = 'compliance';
