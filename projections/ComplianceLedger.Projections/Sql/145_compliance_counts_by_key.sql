-- The count triggers of 140, made cheap for the daemon's many small writes:
-- - a statement that touched no verdict (an upsert of unchanged rows, a delete that found
--   nothing) returns at once instead of running its count statements;
-- - a decrement is an upsert of a negative count, found through the counts' unique index.
--   140's UPDATE … FROM matched scope and due_on with IS NOT DISTINCT FROM, which no index
--   serves, so every firing scanned every school's counts;
-- - an UPDATE nets old against new first: a verdict that moved within one key (a new proof
--   position) changes no count.
CREATE OR REPLACE FUNCTION rm.compliance_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
        INSERT INTO rm.compliance_counts AS c (tenant, rule, scope, roles, status, due_on, n)
        SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END, count(*)::int
          FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (tenant, rule, scope, roles, status, due_on) DO UPDATE SET n = c.n + EXCLUDED.n;
        RETURN NULL;
    END IF;

    IF NOT EXISTS (SELECT FROM old_rows) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO rm.compliance_counts AS c (tenant, rule, scope, roles, status, due_on, n)
        SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
               CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
               CASE WHEN status IN ('ok', 'due') THEN due_on END, -count(*)::int
          FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (tenant, rule, scope, roles, status, due_on) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        -- Sorted by key, so two writers of one school's counts take row locks in the same order.
        INSERT INTO rm.compliance_counts AS c (tenant, rule, scope, roles, status, due_on, n)
        SELECT tenant, rule, scope, roles, status, due_on, sum(n)::int
          FROM (SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END AS scope,
                       CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END AS roles, status,
                       CASE WHEN status IN ('ok', 'due') THEN due_on END AS due_on, 1 AS n FROM new_rows
                UNION ALL
                SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
                       CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
                       CASE WHEN status IN ('ok', 'due') THEN due_on END, -1 FROM old_rows) AS d
         GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (tenant, rule, scope, roles, status, due_on) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    DELETE FROM rm.compliance_counts c USING (SELECT DISTINCT tenant FROM old_rows) t
     WHERE c.tenant = t.tenant AND c.n = 0;
    RETURN NULL;
END $$;

-- What the zero-count clean-up looks for, without reading every count of the school.
CREATE INDEX compliance_counts_empty ON rm.compliance_counts (tenant) WHERE n = 0;
