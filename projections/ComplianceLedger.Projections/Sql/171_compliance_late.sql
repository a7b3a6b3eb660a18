-- The audit trail marks a late acknowledgement with when it was due, read from its verdict:
-- the few late verdicts of a school, found without reading all its acknowledgement verdicts.
CREATE INDEX compliance_late ON rm.compliance (tenant) WHERE late;
