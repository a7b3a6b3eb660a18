using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Projections;

/// <summary>A full rebuild swaps whole tables in: the app role's writes after it must work as before. A ledger of its own, since the appends stay in it.</summary>
public sealed class RebuildSwapTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task After_a_full_rebuild_swaps_the_tables_in_an_append_by_the_app_role_still_updates_the_read_models_and_the_counts()
    {
        const string tenant = "170002";
        var projections = new RebuildLedger().Projections;
        var inline = new LedgerStore(db.AppDataSource, TimeProvider.System, projections.Where(p => p.Mode == ProjectionMode.Inline));
        var person = Guid.CreateVersion7();
        await AppendAsync(inline, tenant, "school", "school", "school.registered.v1",
            $$"""{"urn":"{{tenant}}","name":"Swap School","emailDomains":["swap.sch.uk"]}""");
        await AppendAsync(inline, tenant, $"person-{person}", "person", "person.enrolled.v1",
            $$"""{"personId":"{{person}}","sealedName":"sealed","roles":["teacher"],"startedOn":"2020-01-01"}""");

        var result = await ProjectionRebuild.RunAsync(db.AppDataSource, projections);
        Assert.Contains("facts", result.Swapped);

        // Appended after the swap, through the inline projections, then judged as the daemon would.
        var appended = await AppendAsync(inline, tenant, "policy-after", "policy", "policy.version-published.v1", """
            {"policyId":"after-policy","title":"After the swap","versionLabel":"1","documentSha256":"00","effectiveFrom":"2020-01-01",
             "reviewCycleYears":1,"nextReviewDue":"2099-01-01","responsibleCommittee":"Board","audiences":["teacher"],
             "daysToAcknowledge":14,"maxExceptionDays":30}
            """);
        await AppendAsync(inline, tenant, $"person-{person}", "person", "policy.acknowledged.v1",
            $$"""{"personId":"{{person}}","policyId":"after-policy","versionLabel":"1","acknowledgedAt":"2020-02-01T10:00:00Z","method":"web"}""");
        await using (var connection = await db.AppDataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var events = new List<StoredEvent>();
            await foreach (var e in db.Store().ReadTenantAsync(tenant, limit: 100))
            {
                events.Add(e);
            }
            var compliance = projections.Single(p => p.Name == "compliance");
            await compliance.ApplyAsync(connection, transaction, [.. events.Where(e => e.ChainPosition >= appended.Events[0].ChainPosition)], CancellationToken.None);
            await transaction.CommitAsync();
        }

        await using var command = db.AppDataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM rm.policy_versions WHERE tenant = $1 AND policy_id = 'after-policy'),
                   (SELECT count(*) FROM rm.acknowledgements WHERE tenant = $1 AND policy_id = 'after-policy'),
                   (SELECT count(*) FROM rm.compliance WHERE tenant = $1 AND scope = 'after-policy' AND person_id = $2 AND status = 'ok'),
                   (SELECT COALESCE(sum(n), 0) FROM rm.compliance_counts WHERE tenant = $1 AND scope = 'after-policy' AND status = 'ok'),
                   (SELECT COALESCE(sum(n), 0) FROM rm.compliance_counts) = (SELECT count(*) FROM rm.compliance)
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = person });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, 1L, 1L, 1L, true), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetBoolean(4)));
    }

    static Task<AppendResult> AppendAsync(LedgerStore store, string tenant, string stream, string type, string eventType, string data) =>
        store.AppendAsync(new AppendRequest(tenant, stream, type, ExpectedVersion.Any, [new NewEvent(eventType, data)], new EventMetadata("system:test")));

}
