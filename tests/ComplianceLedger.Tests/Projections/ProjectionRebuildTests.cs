using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Cli;
using Npgsql;

namespace ComplianceLedger.Tests.Projections;

/// <summary>
/// Rebuilds replay the ledger into shadow tables and swap the rows in: the result equals the
/// live run, table by table, and readers see the old rows until the swap. Tests that damage live
/// rows on purpose put them right with a full rebuild before they end.
/// </summary>
public sealed class ProjectionRebuildTests(RebuildLedger ledger) : IClassFixture<RebuildLedger>
{
    [Fact]
    public async Task Rebuilding_every_read_model_for_every_tenant_gives_the_live_rows_of_every_table()
    {
        Assert.True(ledger.Tenants.Count >= 2, "the demo trust has several schools");
        Assert.NotEmpty(ledger.Live["compliance"]);
        Assert.NotEmpty(ledger.Live["acknowledgements"]);
        Assert.NotEmpty(ledger.Live["exceptions"]);
        Assert.NotEmpty(ledger.Live["official_accounts"]);

        var result = await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections);

        Assert.Equal(await ledger.CountEventsAsync(), result.Events);
        Assert.Equal(ledger.Tenants.Count, result.Tenants);
        AssertSameRows(ledger.Live, await ledger.SnapshotAsync());
    }

    [Fact]
    public async Task A_full_rebuild_swaps_in_tables_with_the_live_tables_columns_indexes_grants_triggers_and_counts()
    {
        var before = await CatalogAsync();
        Assert.Contains(before, t => t.StartsWith("compliance|", StringComparison.Ordinal) && t.Contains("compliance_counts_insert", StringComparison.Ordinal));
        var table = await TableOidAsync();

        await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections);

        Assert.NotEqual(table, await TableOidAsync());
        var after = await CatalogAsync();
        Assert.Equal(before.Count, after.Count);
        // Table by table, so a failure shows the whole differing entry.
        foreach (var (was, now) in before.Zip(after))
        {
            Assert.Equal(was, now);
        }
        await using var command = ledger.AdminDataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'rm_shadow'),
                   (SELECT count(*) FROM (SELECT tenant, rule, scope, roles, status, due_on, n FROM rm.compliance_counts
                                          EXCEPT
                                          SELECT tenant, rule, CASE WHEN rule = 'acknowledgement' THEN scope END,
                                                 CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
                                                 CASE WHEN status IN ('ok', 'due') THEN due_on END, count(*)::int
                                            FROM rm.compliance GROUP BY 1, 2, 3, 4, 5, 6) AS d),
                   (SELECT sum(n) FROM rm.compliance_counts) = (SELECT count(*) FROM rm.compliance)
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        // Nothing left in the shadow schema; the counts are the verdicts' own.
        Assert.Equal((0L, 0L, true), (reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2)));
    }

    [Fact]
    public async Task Rebuilding_one_tenant_restores_its_rows_and_leaves_other_tenants_rows_as_they_were()
    {
        var (mine, other) = (ledger.Tenants[0], ledger.Tenants[1]);
        try
        {
            await DamageAsync(mine);
            await DamageAsync(other);
            var otherDamaged = await ledger.SnapshotAsync(other);

            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, tenant: mine);

            AssertSameRows(ledger.LiveOf(mine), await ledger.SnapshotAsync(mine));
            AssertSameRows(otherDamaged, await ledger.SnapshotAsync(other));
        }
        finally
        {
            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections);
        }
        AssertSameRows(ledger.Live, await ledger.SnapshotAsync());
    }

    [Fact]
    public async Task Rebuilding_one_projection_swaps_only_its_own_rows_even_in_a_shared_table()
    {
        var tenant = ledger.Tenants[0];
        try
        {
            await DamageAsync(tenant);

            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, ["compliance"], tenant);

            var after = await ledger.SnapshotAsync(tenant);
            var live = ledger.LiveOf(tenant);
            // The compliance projection's verdicts are back; the exceptions projection's verdict and a fact stay damaged.
            Assert.Equal(live["compliance"].Where(r => r.Contains("\"rule\": \"acknowledgement\"", StringComparison.Ordinal)),
                after["compliance"].Where(r => r.Contains("\"rule\": \"acknowledgement\"", StringComparison.Ordinal)));
            Assert.Equal(live["compliance"].Count - 1, after["compliance"].Count);
            Assert.NotEqual(live["people"], after["people"]);
        }
        finally
        {
            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections);
        }
    }

    [Fact]
    public async Task Dashboards_keep_serving_the_old_rows_while_a_rebuild_replays()
    {
        var tenant = ledger.Tenants[0];
        try
        {
            await DamageAsync(tenant);
            var damaged = await ledger.SnapshotAsync(tenant);
            var seen = new List<Dictionary<string, List<string>>>();

            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, progress: p =>
            {
                if (p.Phase is RebuildPhase.Replaying or RebuildPhase.Swapping)
                {
                    // Another connection, as a dashboard request would read.
                    seen.Add(ledger.SnapshotAsync(tenant).GetAwaiter().GetResult());
                }
            });

            Assert.NotEmpty(seen);
            Assert.All(seen, snapshot => AssertSameRows(damaged, snapshot));
            Assert.NotEmpty(seen[^1]["compliance"]);
            AssertSameRows(ledger.LiveOf(tenant), await ledger.SnapshotAsync(tenant));
        }
        finally
        {
            await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections);
        }
    }

    [Fact]
    public async Task A_rebuild_moves_the_async_projections_checkpoints_to_the_end_of_the_replay_and_clears_a_pause()
    {
        var tenant = ledger.Tenants[1];
        await using (var command = ledger.AppDataSource.CreateCommand("""
            INSERT INTO ledger.projection_progress (projection, tenant, position, processed, paused_at, paused_position, error)
            VALUES ('compliance', $1, 3, 3, now(), 4, 'poison event') ON CONFLICT (projection, tenant) DO UPDATE SET paused_at = now(), error = 'poison event'
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            await command.ExecuteNonQueryAsync();
        }

        await ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, ["compliance"], tenant);

        var head = await ledger.CountEventsAsync(tenant);
        Assert.Equal((head, head), await ProgressAsync("compliance", tenant));
        await using var paused = ledger.AppDataSource.CreateCommand("SELECT count(*) FROM ledger.projection_progress WHERE paused_at IS NOT NULL OR error IS NOT NULL");
        Assert.Equal(0L, await paused.ExecuteScalarAsync());
        // Inline projections keep no checkpoints: the append transaction is theirs.
        await using var inline = ledger.AppDataSource.CreateCommand("SELECT count(*) FROM ledger.projection_progress WHERE projection = ANY($1)");
        inline.Parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = [.. ledger.Projections.Where(p => p.Mode == ProjectionMode.Inline).Select(p => p.Name)],
        });
        Assert.Equal(0L, await inline.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_unknown_projection_or_tenant_is_refused_before_anything_changes()
    {
        var unknown = await Assert.ThrowsAsync<UnknownProjectionException>(() =>
            ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, ["complience"]));
        Assert.Contains("facts, compliance, exceptions, official-accounts", unknown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnknownTenantException>(() => ProjectionRebuild.RunAsync(ledger.AppDataSource, ledger.Projections, tenant: "999999"));
        AssertSameRows(ledger.Live, await ledger.SnapshotAsync());
    }

    [Fact]
    public async Task Ledger_rebuild_rebuilds_a_read_model_and_refuses_unknown_names_and_tenants_with_exit_code_2()
    {
        var tenant = ledger.Tenants[0];
        await DamageAsync(tenant);

        (await LedgerRun.RunAsync("rebuild", "--connection", ledger.AppConnectionString))
            .ShouldExitWith(0)
            .ShouldContain("Rebuilding every read model for every tenant")
            .ShouldContain("swapped in facts, compliance, exceptions, official-accounts");
        AssertSameRows(ledger.Live, await ledger.SnapshotAsync());

        (await LedgerRun.RunAsync("rebuild", "compliance", "--tenant", tenant, "--connection", ledger.AppConnectionString))
            .ShouldExitWith(0)
            .ShouldContain($"Rebuilding the compliance read model for tenant {tenant}")
            .ShouldContain("swapped in compliance");
        (await LedgerRun.RunAsync("rebuild", "complience", "--connection", ledger.AppConnectionString))
            .ShouldExitWith(2)
            .ShouldContain("There is no projection called \"complience\"");
        (await LedgerRun.RunAsync("rebuild", "--tenant", "999999", "--connection", ledger.AppConnectionString))
            .ShouldExitWith(2)
            .ShouldContain("no events for tenant 999999");
        AssertSameRows(ledger.Live, await ledger.SnapshotAsync());
    }

    /// <summary>Damages live rows of three projections: a person's name (facts), an exception verdict and an acknowledgement verdict.</summary>
    async Task DamageAsync(string tenant)
    {
        await using var batch = ledger.AdminDataSource.CreateBatch();
        foreach (var sql in new[]
        {
            "UPDATE rm.people SET sealed_name = 'damaged' WHERE tenant = $1 AND person_id = (SELECT person_id FROM rm.people WHERE tenant = $1 ORDER BY person_id LIMIT 1)",
            """
            DELETE FROM rm.compliance WHERE tenant = $1 AND (rule, subject_id) IN
                (SELECT rule, subject_id FROM rm.compliance WHERE tenant = $1 AND rule = 'acknowledgement' ORDER BY subject_id LIMIT 1)
            """,
            """
            DELETE FROM rm.compliance WHERE tenant = $1 AND (rule, subject_id) IN
                (SELECT rule, subject_id FROM rm.compliance WHERE tenant = $1 AND rule = 'exception-decision' ORDER BY subject_id LIMIT 1)
            """,
        })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync();
    }

    async Task<uint> TableOidAsync()
    {
        await using var command = ledger.AdminDataSource.CreateCommand("SELECT 'rm.compliance'::regclass::oid");
        return (uint)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Per rm table: owner, persistence, options, grants, columns, constraints, indexes and triggers.</summary>
    async Task<List<string>> CatalogAsync()
    {
        await using var command = ledger.AdminDataSource.CreateCommand("""
            SELECT concat_ws('|', c.relname, c.relowner::regrole::text, c.relpersistence, COALESCE(c.reloptions::text, ''),
                   (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a),
                   (SELECT string_agg(format('%s %s %s %s', a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                             pg_get_expr(d.adbin, d.adrelid)), ',' ORDER BY a.attnum)
                      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                   (SELECT string_agg(con.conname || ' ' || pg_get_constraintdef(con.oid), ',' ORDER BY con.conname) FROM pg_constraint con WHERE con.conrelid = c.oid),
                   (SELECT string_agg(pg_get_indexdef(x.indexrelid), ',' ORDER BY pg_get_indexdef(x.indexrelid)) FROM pg_index x WHERE x.indrelid = c.oid),
                   (SELECT string_agg(pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text, ',' ORDER BY t.tgname) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal))
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'rm' AND c.relkind = 'r'
             ORDER BY c.relname
            """);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    Task<(long Position, long Processed)> ProgressAsync(string projection, string tenant) => RebuildLedger.ProgressAsync(ledger.AppDataSource, projection, tenant);

    static void AssertSameRows(IReadOnlyDictionary<string, List<string>> expected, IReadOnlyDictionary<string, List<string>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.SequenceEqual(actual[table]),
                $"rm.{table} differs: {rows.Count} rows expected, {actual[table].Count} found; first difference: " +
                $"{rows.Except(actual[table]).FirstOrDefault() ?? "(none missing)"} / {actual[table].Except(rows).FirstOrDefault() ?? "(none extra)"}");
        }
    }
}
