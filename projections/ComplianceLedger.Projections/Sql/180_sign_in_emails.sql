-- Sign-in by verified email (issue 13): a provider's verified address finds its person by the
-- address's keyed blind index (HMAC-SHA256 of the lower-cased address, under a key kept outside
-- the database), never by the address itself. The address is kept only sealed with the person's
-- key (sealed_email), so shredding that key erases it here too; the sign-in then refuses the
-- row (docs/decisions.md, "Sign-in emails"). One address names one person of a school; the same
-- address at two schools is one row each. The app role's grants come from rm's default
-- privileges (100_read_models.sql), as every read model's do.
CREATE TABLE rm.sign_in_emails (
    email_index  text   NOT NULL,
    tenant       text   NOT NULL,
    person_id    uuid   NOT NULL,
    sealed_email text   NOT NULL,
    position     bigint NOT NULL,
    PRIMARY KEY (email_index, tenant)
);

-- A person's new address replaces their old one.
CREATE INDEX sign_in_emails_person ON rm.sign_in_emails (tenant, person_id);
