using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Projections;

/// <summary>
/// A rebuild swaps whole read-model tables in by rename. A dashboard read that meets the swap in
/// progress waits for it and then shows the swapped-in rows, never an empty school. The swap is
/// done by hand here (the same renames, held open), so the read is caught at that moment.
/// This class owns its database: the swapped-in table has none of the live one's triggers.
/// </summary>
public sealed class LiveReadsDuringSwapTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task A_dashboard_read_that_meets_a_swap_waits_and_shows_the_swapped_in_verdicts()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var governor = await arranged.School.As(Role.Governor);
        var before = await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance");
        Assert.NotEqual(0, Required(before));

        await using var swap = await app.AdminDataSource.OpenConnectionAsync();
        await using var transaction = await swap.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand("""
            CREATE TABLE rm.compliance_swapped (LIKE rm.compliance INCLUDING ALL);
            INSERT INTO rm.compliance_swapped SELECT * FROM rm.compliance;
            ALTER TABLE rm.compliance RENAME TO compliance_replaced;
            ALTER TABLE rm.compliance_swapped RENAME TO compliance;
            GRANT SELECT, INSERT, UPDATE, DELETE ON rm.compliance TO ledger_app;
            """, swap, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        var reading = governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance");
        await WaitUntilAReadWaitsForALockAsync();
        Assert.False(reading.IsCompleted, "the read waits for the swap");
        await transaction.CommitAsync();
        var during = await reading;

        Assert.Equal(Required(before), Required(during));
        Assert.Equal(before.GetProperty("coverage").GetRawText(), during.GetProperty("coverage").GetRawText());
    }

    static int Required(JsonElement summary) =>
        summary.GetProperty("coverage").EnumerateArray().Sum(c => c.GetProperty("required").GetInt32());

    async Task WaitUntilAReadWaitsForALockAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            await using var command = app.AdminDataSource.CreateCommand(
                "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE usename = 'ledger_app' AND wait_event_type = 'Lock')");
            if ((bool)(await command.ExecuteScalarAsync())!)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "no read waited for the swap");
            await Task.Delay(10);
        }
    }
}
