using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Projections;

/// <summary>Appends that commit while a rebuild runs: a ledger of its own, since they stay in it.</summary>
public sealed class RebuildCatchUpTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    const string Tenant = "170001";

    [Fact]
    public async Task Events_committed_after_the_replay_read_them_are_applied_at_the_swap_and_the_checkpoint_includes_them()
    {
        var store = db.Store();
        var person = Guid.CreateVersion7();
        await AppendAsync(store, "school", "school", "school.registered.v1",
            $$"""{"urn":"{{Tenant}}","name":"Catch-up School","emailDomains":["catchup.sch.uk"]}""");
        await AppendAsync(store, $"person-{person}", "person", "person.enrolled.v1",
            $$"""{"personId":"{{person}}","sealedName":"sealed","roles":["teacher"],"startedOn":"2020-01-01"}""");
        var projections = new RebuildLedger().Projections;

        var late = false;
        var result = await ProjectionRebuild.RunAsync(db.AppDataSource, projections, progress: p =>
        {
            if (p.Phase == RebuildPhase.Swapping && !late)
            {
                // Committed after the replay's last read: only the swap's catch-up can see it.
                AppendAsync(store, "policy-late", "policy", "policy.version-published.v1", """
                    {"policyId":"late-policy","title":"Late policy","versionLabel":"1","documentSha256":"00","effectiveFrom":"2020-01-01",
                     "reviewCycleYears":1,"nextReviewDue":"2099-01-01","responsibleCommittee":"Board","audiences":["teacher"],
                     "daysToAcknowledge":14,"maxExceptionDays":30}
                    """).GetAwaiter().GetResult();
                late = true;
            }
        });

        Assert.Equal((3L, 1L, 1), (result.Events, result.CaughtUp, result.Tenants));
        await using var command = db.AppDataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM rm.policy_versions WHERE policy_id = 'late-policy'),
                   (SELECT count(*) FROM rm.compliance WHERE scope = 'late-policy' AND person_id = $1)
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = person });
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
        }
        Assert.Equal((3L, 3L), await RebuildLedger.ProgressAsync(db.AppDataSource, "compliance", Tenant));
    }

    static Task<AppendResult> AppendAsync(LedgerStore store, string stream, string type, string eventType, string data) =>
        store.AppendAsync(new AppendRequest(Tenant, stream, type, ExpectedVersion.Any, [new NewEvent(eventType, data)], new EventMetadata("system:test")));
}
