-- Declared relationships and exception requests: where each stands in its decision flow.
-- Free text is stored sealed, exactly as the events carry it; readers open it with the vault.
-- The chain positions kept here are the proof the rules cite in rm.compliance.
CREATE TABLE rm.exceptions (
    tenant                  text        NOT NULL,
    item_id                 uuid        NOT NULL,
    subject                 text        NOT NULL CHECK (subject IN ('declaration', 'exception')),
    person_id               uuid        NOT NULL,  -- the declarant or requester
    kind                    text        NOT NULL,
    sealed_description      text        NOT NULL,
    on_entry_of             text,                  -- declarations: 'pupil' or 'staff'
    entered_on              date,
    risk_assessment_ref     text,
    status                  text        NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn', 'revoked', 'expired')),
    opened_at               timestamptz NOT NULL,
    opened_position         bigint      NOT NULL,
    sealed_dsl_advice       text,                  -- the latest advice
    dsl_consulted_by        text,
    dsl_consulted_at        timestamptz,
    dsl_position            bigint,                -- the first consultation
    decided_by              text,                  -- the latest decision (approval, refusal, review, extension, revocation)
    decided_as              text,
    decided_at              timestamptz,
    first_decision_position bigint,
    decision_position       bigint,
    sealed_conditions       text,
    until                   date,                  -- review date (declarations) or expiry date (requests)
    sealed_reasons          text,                  -- why it was declined or revoked, or an extension refused
    extension_until         date,                  -- an extension awaiting a decision
    sealed_extension_reason text,
    extension_requested_at  timestamptz,
    sealed_withdrawal_reason text,
    closed_at               timestamptz,           -- withdrawn, revoked or expired
    lapsed_position         bigint,                -- revoked or expired
    withdrawn_position      bigint,
    self_decided_position   bigint,                -- the first decision made by the holder themself
    version                 bigint      NOT NULL,  -- the stream's version: the ETag for If-Match
    positions               bigint[]    NOT NULL,
    PRIMARY KEY (tenant, item_id)
);
CREATE INDEX exceptions_person ON rm.exceptions (tenant, person_id);
CREATE INDEX exceptions_awaiting ON rm.exceptions (tenant) WHERE status = 'pending' OR extension_until IS NOT NULL;
