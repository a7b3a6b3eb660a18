using Npgsql;

namespace ComplianceLedger.Fuzz;

/// <summary>
/// Marten's events table (marten.mt_events, under the ledger's chain), read between requests: the
/// fuzzer sends one request at a time, so every event that appears while a request is answered is
/// that request's, except those of the app's own timers (<see cref="Background"/>), which are
/// counted apart.
/// </summary>
public sealed class EventLedger(NpgsqlDataSource admin)
{
    /// <summary>Actors of the app's scheduled jobs: they write on their own clock, not for a request.</summary>
    public static bool Background(string actor) =>
        actor.StartsWith("system:scheduled-", StringComparison.Ordinal) || actor == "system:notices";

    public async Task<long> HeadAsync(CancellationToken ct)
    {
        await using var command = admin.CreateCommand("SELECT COALESCE(max(seq_id), 0) FROM marten.mt_events");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public sealed record Written(long Position, string Type, string Actor);

    public async Task<IReadOnlyList<Written>> SinceAsync(long position, CancellationToken ct)
    {
        await using var command = admin.CreateCommand(
            "SELECT seq_id, type, COALESCE(user_name, '') FROM marten.mt_events WHERE seq_id > $1 ORDER BY seq_id LIMIT 1000");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var written = new List<Written>();
        while (await reader.ReadAsync(ct))
        {
            written.Add(new Written(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        return written;
    }
}
