using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Projections;

/// <summary>
/// The demo trust (seeded through <c>ledger seed-demo</c>: facts, exceptions, official accounts)
/// with its async verdicts brought up to date the way the daemon does, event by event after each
/// commit, so every read model holds the live run's rows. <see cref="Live"/> is a copy of them.
/// </summary>
public sealed class RebuildLedger : LedgerDatabase
{
    public IReadOnlyList<IProjection> Projections { get; } =
    [
        new FactsProjection(), new ComplianceProjection(TimeProvider.System), new ExceptionsProjection(TimeProvider.System),
        new OfficialAccountsProjection(TimeProvider.System),
    ];

    public IReadOnlyList<string> Tenants { get; private set; } = [];

    /// <summary>Every read-model table's rows after the live run, by table.</summary>
    public IReadOnlyDictionary<string, List<string>> Live { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-demo", "--connection", AppConnectionString)).ShouldExitWith(0);
        var store = Store();
        var tenants = new List<string>();
        await using (var command = AppDataSource.CreateCommand("SELECT tenant FROM ledger.chain_heads ORDER BY tenant"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tenants.Add(reader.GetString(0));
            }
        }
        Tenants = tenants;
        foreach (var tenant in tenants)
        {
            await foreach (var e in store.ReadTenantAsync(tenant, limit: 100_000))
            {
                await ApplyLiveAsync(e);
            }
        }
        Live = await SnapshotAsync();
    }

    /// <summary>What the daemon does with one committed event: the async projections, on the live tables.</summary>
    public async Task ApplyLiveAsync(StoredEvent e)
    {
        await using var connection = await AppDataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var projection in Projections.Where(p => p.Mode == ProjectionMode.Async && p.Projects(e.EventType)))
        {
            await projection.ApplyAsync(connection, transaction, [e], CancellationToken.None);
        }
        await transaction.CommitAsync();
    }

    /// <summary>Every row of every table in <c>rm</c>, as JSON, in order.</summary>
    public async Task<Dictionary<string, List<string>>> SnapshotAsync(string? tenant = null)
    {
        var tables = new List<string>();
        await using (var command = AdminDataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'rm' ORDER BY 1"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            await using var command = AdminDataSource.CreateCommand(
                $"SELECT to_jsonb(x)::text AS row FROM rm.{table} x WHERE $1::text IS NULL OR x.tenant = $1 ORDER BY row");
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            snapshot[table] = rows;
        }
        return snapshot;
    }

    public Dictionary<string, List<string>> LiveOf(string tenant) =>
        Live.ToDictionary(t => t.Key, t => t.Value.Where(row => row.Contains($"\"tenant\": \"{tenant}\"", StringComparison.Ordinal)).ToList());

    public static async Task<(long Position, long Processed)> ProgressAsync(NpgsqlDataSource dataSource, string projection, string tenant)
    {
        await using var command = dataSource.CreateCommand("SELECT position, processed FROM ledger.projection_progress WHERE projection = $1 AND tenant = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = projection });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no progress row for {projection} in {tenant}");
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
