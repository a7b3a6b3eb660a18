using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// <c>--statements</c>: the cluster loads pg_stat_statements, and a phase logs the statements that
/// cost it most, nested ones (function bodies, triggers) included. Times are wall times, so a
/// statement waiting on a lock shows its wait.
/// </summary>
static class Statements
{
    public static void Load() =>
        Environment.SetEnvironmentVariable(LocalCluster.ServerOptionsVariable,
            "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all");

    public static async Task ResetAsync(NpgsqlDataSource admin, CancellationToken ct)
    {
        await using var command = admin.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();");
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task LogAsync(NpgsqlDataSource admin, string phase, CancellationToken ct)
    {
        await using var command = admin.CreateCommand("""
            SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), rows, left(regexp_replace(query, '\s+', ' ', 'g'), 140)
              FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        Report.Log($"{phase}: costliest statements (calls | total ms | mean ms | rows | statement)");
        while (await reader.ReadAsync(ct))
        {
            Report.Log($"  {reader.GetInt64(0)} | {reader.GetDecimal(1)} | {reader.GetDecimal(2)} | {reader.GetInt64(3)} | {reader.GetString(4)}");
        }
    }
}
