using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// Wolverine's tables are made by <c>ledger migrate</c> as the owner; the app role moves messages
/// through them (ScheduledExpiryTests: it starts and handles them) but may not change them.
/// </summary>
public sealed class WolverineStorageRightsTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Theory]
    [InlineData("CREATE TABLE wolverine.extra (id int)")]
    [InlineData("ALTER TABLE wolverine.wolverine_incoming_envelopes ADD COLUMN extra int")]
    [InlineData("DROP TABLE wolverine.wolverine_dead_letters")]
    [InlineData("TRUNCATE wolverine.wolverine_incoming_envelopes")]
    [InlineData("CREATE INDEX extra ON wolverine.wolverine_nodes (description)")]
    public async Task The_app_role_cannot_change_wolverines_storage(string sql)
    {
        await using var command = db.AppDataSource.CreateCommand(sql);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Contains(denied.SqlState, new[] { PostgresErrorCodes.InsufficientPrivilege, "42501" });
    }

    [Fact]
    public async Task Wolverines_tables_belong_to_the_owner_and_the_app_role_may_read_and_write_their_rows()
    {
        await using var command = db.AdminDataSource.CreateCommand("""
            SELECT tablename, tableowner,
                   has_table_privilege('ledger_app', 'wolverine.' || tablename, 'SELECT,INSERT,UPDATE,DELETE'),
                   has_table_privilege('ledger_app', 'wolverine.' || tablename, 'TRUNCATE')
              FROM pg_tables WHERE schemaname = 'wolverine' ORDER BY tablename
            """);
        var tables = new List<(string Name, string Owner, bool Rows, bool Truncate)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        }
        Assert.Contains(tables, t => t.Name == "wolverine_incoming_envelopes");
        Assert.Contains(tables, t => t.Name == "wolverine_nodes");
        Assert.All(tables, t =>
        {
            Assert.Equal("ledger_owner", t.Owner);
            Assert.True(t.Rows, $"{t.Name}: the app role must read and write its rows");
            Assert.False(t.Truncate, $"{t.Name}: the app role must not truncate it");
        });
    }
}
