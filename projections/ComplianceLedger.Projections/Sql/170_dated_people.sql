-- Dated facts take effect on their date, not when they are recorded (docs/projections.md,
-- "Dated facts"). A person's roles and leave are kept as effective-dated rows, so a rule can ask
-- what held on any day: a role change effective next month, a return from leave next week.
-- rm.people keeps its columns (the latest recorded roles and leave) for listings and sign-in.
CREATE TABLE rm.person_roles (
    tenant    text   NOT NULL,
    person_id uuid   NOT NULL,
    from_on   date   NOT NULL,  -- the roles hold from this day until the next row's
    roles     text[] NOT NULL,
    position  bigint NOT NULL,
    PRIMARY KEY (tenant, person_id, from_on)
);

CREATE TABLE rm.person_leaves (
    tenant    text   NOT NULL,
    person_id uuid   NOT NULL,
    from_on   date   NOT NULL,  -- away from this day
    until_on  date,             -- back on this day (null: no return recorded yet)
    position  bigint NOT NULL,
    PRIMARY KEY (tenant, person_id, from_on)
);

-- The day each school's acknowledgement verdicts were last judged for. When the school's day
-- moves on, the people whose dated facts fell in between are judged again (ComplianceProjection,
-- CatchUpDayAsync): a verdict changes on the date with no new event.
CREATE TABLE rm.compliance_days (
    tenant    text PRIMARY KEY,
    judged_on date NOT NULL
);

-- Someone enrolled with a later start date is shown beside coverage, never in it; an
-- acknowledgement made after its deadline is ok but marked late.
ALTER TABLE rm.compliance DROP CONSTRAINT compliance_status_check;
ALTER TABLE rm.compliance ADD CONSTRAINT compliance_status_check
    CHECK (status IN ('ok', 'due', 'overdue', 'attention', 'on-leave', 'not-started'));
ALTER TABLE rm.compliance ADD COLUMN late boolean NOT NULL DEFAULT false;

-- The history before this file is not in rm.people: what it holds now, from the start date.
-- (`ledger rebuild` replays the full history.)
INSERT INTO rm.person_roles (tenant, person_id, from_on, roles, position)
SELECT tenant, person_id, started_on, roles, last_position FROM rm.people;
INSERT INTO rm.person_leaves (tenant, person_id, from_on, until_on, position)
SELECT tenant, person_id, leave_from, NULL, last_position FROM rm.people WHERE leave_from IS NOT NULL;
