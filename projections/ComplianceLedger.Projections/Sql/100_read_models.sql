-- Read models: disposable projections of the ledger (rebuild replays them from events).
-- Facts tables hold what the events said; rm.compliance holds each rule's verdict per subject.
CREATE SCHEMA IF NOT EXISTS rm AUTHORIZATION ledger_owner;
GRANT USAGE ON SCHEMA rm TO ledger_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledger_owner IN SCHEMA rm
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ledger_app;

CREATE TABLE rm.schools (
    tenant        text   PRIMARY KEY,
    name          text   NOT NULL,
    trust_id      text,
    trust_name    text,
    email_domains text[] NOT NULL DEFAULT '{}',
    handle_tag    text,
    last_position bigint NOT NULL
);
CREATE INDEX schools_trust ON rm.schools (trust_id);

CREATE TABLE rm.people (
    tenant        text   NOT NULL,
    person_id     uuid   NOT NULL,
    sealed_name   text   NOT NULL,
    roles         text[] NOT NULL,
    started_on    date   NOT NULL,
    left_on       date,
    leave_from    date,        -- set while on long-term leave
    returned_on   date,        -- the latest return from leave
    last_position bigint NOT NULL,
    PRIMARY KEY (tenant, person_id)
);

CREATE TABLE rm.policy_versions (
    tenant                text    NOT NULL,
    policy_id             text    NOT NULL,
    version_label         text    NOT NULL,
    title                 text    NOT NULL,
    document_sha256       text    NOT NULL,
    effective_from        date    NOT NULL,
    review_cycle_years    int     NOT NULL,
    next_review_due       date    NOT NULL,
    responsible_committee text    NOT NULL,
    ratified_on           date,
    ratified_by           text,
    audiences             text[]  NOT NULL,
    days_to_acknowledge   int     NOT NULL,
    max_exception_days    int     NOT NULL,
    is_current            boolean NOT NULL,
    retired_on            date,
    positions             bigint[] NOT NULL,  -- publication, reviews, retirement
    PRIMARY KEY (tenant, policy_id, version_label)
);

CREATE TABLE rm.acknowledgements (
    tenant        text        NOT NULL,
    person_id     uuid        NOT NULL,
    policy_id     text        NOT NULL,
    version_label text        NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('acknowledged', 'declined')),
    at            timestamptz NOT NULL,
    method        text,
    position      bigint      NOT NULL,
    PRIMARY KEY (tenant, person_id, policy_id, version_label)
);

-- One verdict per rule and subject. An 'ok' or 'due' verdict with a due_on turns 'overdue' after
-- that day without any event (a deadline or review date passing), so readers compare due_on
-- with the day they ask about.
CREATE TABLE rm.compliance (
    tenant       text     NOT NULL,
    rule         text     NOT NULL,
    subject_id   text     NOT NULL,
    subject_kind text     NOT NULL,
    person_id    uuid,               -- the person the verdict concerns, if any
    scope        text,               -- e.g. the policy id, for recomputing a policy's verdicts
    status       text     NOT NULL CHECK (status IN ('ok', 'due', 'overdue', 'attention', 'on-leave')),
    due_on       date,
    roles        text[]   NOT NULL DEFAULT '{}',
    detail       text     NOT NULL,
    proof        bigint[] NOT NULL,  -- chain positions of the events behind the verdict
    PRIMARY KEY (tenant, rule, subject_id)
);
CREATE INDEX compliance_scope ON rm.compliance (tenant, rule, scope);
CREATE INDEX compliance_person ON rm.compliance (tenant, person_id);
