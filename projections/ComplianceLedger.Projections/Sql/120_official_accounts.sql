-- Official accounts and credential custody (families 5 and 6), kept inline by
-- OfficialAccountsProjection. Their verdicts go to rm.compliance with subject_kind 'account'
-- and scope = the account id. No secret is ever held here: custody rows name a vault entry.

CREATE TABLE rm.official_accounts (
    tenant                 text        NOT NULL,
    account_id             uuid        NOT NULL,
    platform               text        NOT NULL,
    handle                 text        NOT NULL,
    url                    text        NOT NULL,
    purpose                text        NOT NULL,
    intended_outcomes      text        NOT NULL,
    owner_id               uuid        NOT NULL,
    owner_position         bigint      NOT NULL,
    sealed_email           text        NOT NULL,   -- sealed with the owner's key at registration
    email_domain           text        NOT NULL,
    registered_at          timestamptz NOT NULL,
    registered_position    bigint      NOT NULL,
    risk_reference         text,
    risk_assessed_on       date,
    risk_position          bigint,
    approved_at            timestamptz,
    approved_by            text,
    approved_as            text,
    approval_position      bigint,
    url_notified_on        date,
    url_position           bigint,
    pupil_access_on        date,
    pupil_access_position  bigint,
    first_used_on          date,
    live_position          bigint,
    aup_checked_on         date,
    aup_linked             boolean,
    aup_position           bigint,
    suspended_on           date,                   -- set while suspended
    decommissioned_on      date,
    account_version        bigint      NOT NULL,   -- for If-Match on account commands
    custody_version        bigint      NOT NULL DEFAULT 0,
    last_position          bigint      NOT NULL,
    PRIMARY KEY (tenant, account_id)
);

-- Who holds each account's credentials for the school. A removed custodian keeps their row
-- (removed_at set) until lodged again.
CREATE TABLE rm.account_custodians (
    tenant           text        NOT NULL,
    account_id       uuid        NOT NULL,
    custodian_id     uuid        NOT NULL,
    vault_reference  text        NOT NULL,
    lodged_at        timestamptz NOT NULL,
    lodged_position  bigint      NOT NULL,
    removed_at       timestamptz,
    removed_position bigint,
    PRIMARY KEY (tenant, account_id, custodian_id)
);

CREATE TABLE rm.credential_rotations (
    tenant     text   NOT NULL,
    account_id uuid   NOT NULL,
    rotated_on date   NOT NULL,
    reason     text   NOT NULL,
    position   bigint NOT NULL,
    PRIMARY KEY (tenant, position)
);
CREATE INDEX credential_rotations_account ON rm.credential_rotations (tenant, account_id);

CREATE TABLE rm.credential_accesses (
    tenant       text        NOT NULL,
    account_id   uuid        NOT NULL,
    custodian_id uuid        NOT NULL,
    accessed_at  timestamptz NOT NULL,
    position     bigint      NOT NULL,
    PRIMARY KEY (tenant, position)
);
CREATE INDEX credential_accesses_account ON rm.credential_accesses (tenant, account_id);

-- People who know (or may still know) an account's credentials: its owners and custodians,
-- current ones, and former ones until a rotation on or after the day they stopped.
CREATE TABLE rm.credential_holders (
    tenant       text    NOT NULL,
    account_id   uuid    NOT NULL,
    person_id    uuid    NOT NULL,
    as_owner     boolean NOT NULL,
    as_custodian boolean NOT NULL,
    stopped_on   date,             -- set once neither owner nor custodian
    PRIMARY KEY (tenant, account_id, person_id)
);
CREATE INDEX credential_holders_person ON rm.credential_holders (tenant, person_id);

-- A holder left or changed role: the credentials need a rotation on or after trigger_on.
CREATE TABLE rm.credential_rotation_triggers (
    tenant     text   NOT NULL,
    account_id uuid   NOT NULL,
    person_id  uuid   NOT NULL,
    kind       text   NOT NULL CHECK (kind IN ('owner-left', 'owner-role-changed', 'custodian-left', 'custodian-role-changed', 'former-holder-left')),
    trigger_on date   NOT NULL,
    position   bigint NOT NULL,
    PRIMARY KEY (tenant, account_id, position)
);

-- Reported incidents of a work login shared outside custody (a breach). Notes stay sealed in the event.
CREATE TABLE rm.credential_sharing_reports (
    tenant       text   NOT NULL,
    incident_id  uuid   NOT NULL,
    account_id   uuid,
    reported_by  uuid   NOT NULL,
    shared_by    uuid,
    what         text   NOT NULL,
    channel      text   NOT NULL,
    occurred_on  date   NOT NULL,
    position     bigint NOT NULL,
    PRIMARY KEY (tenant, incident_id)
);
CREATE INDEX credential_sharing_reports_account ON rm.credential_sharing_reports (tenant, account_id);
