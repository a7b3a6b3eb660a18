-- Verdict counts per school, kept by triggers on rm.compliance, so a trust's dashboard reads a
-- few hundred rows per school instead of every verdict. Triggers rather than projection code:
-- three projections, the rebuild's swap and operators all write rm.compliance, and every one
-- of those writes must move the counts in the same transaction.
-- Acknowledgement verdicts keep their policy (scope) and roles, for coverage by role; due_on is
-- kept only where a reader turns the status into 'overdue' after that day (ok, due).
-- An "as of" replay writes pg_temp copies, which have no triggers: counts are live only.
CREATE TABLE rm.compliance_counts (
    tenant text   NOT NULL,
    rule   text   NOT NULL,
    scope  text,
    roles  text[] NOT NULL,
    status text   NOT NULL,
    due_on date,
    n      int    NOT NULL,
    UNIQUE NULLS NOT DISTINCT (tenant, rule, scope, roles, status, due_on)
);

-- One function for the three statement triggers; each branch names only the transition
-- tables its operation has.
CREATE FUNCTION rm.compliance_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE rm.compliance_counts c SET n = c.n - g.n
          FROM (SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END AS due_on, count(*)::int AS n
                  FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6) AS g(tenant, rule, scope, roles, status, due_on, n)
         WHERE (c.tenant, c.rule, c.roles, c.status) = (g.tenant, g.rule, g.roles, g.status)
           AND c.scope IS NOT DISTINCT FROM g.scope AND c.due_on IS NOT DISTINCT FROM g.due_on;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- Sorted by key, so two writers of one school's counts take row locks in the same order.
        INSERT INTO rm.compliance_counts AS c (tenant, rule, scope, roles, status, due_on, n)
        SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END, count(*)::int
          FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (tenant, rule, scope, roles, status, due_on) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM rm.compliance_counts c USING (SELECT DISTINCT tenant FROM old_rows) t
         WHERE c.tenant = t.tenant AND c.n = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER compliance_counts_insert AFTER INSERT ON rm.compliance
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rm.compliance_count();
CREATE TRIGGER compliance_counts_update AFTER UPDATE ON rm.compliance
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rm.compliance_count();
CREATE TRIGGER compliance_counts_delete AFTER DELETE ON rm.compliance
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rm.compliance_count();

-- The verdicts already there.
INSERT INTO rm.compliance_counts (tenant, rule, scope, roles, status, due_on, n)
SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END, count(*)::int
  FROM rm.compliance GROUP BY 1, 2, 3, 4, 5, 6;
