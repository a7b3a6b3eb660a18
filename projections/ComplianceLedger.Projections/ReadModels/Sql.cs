using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Small helpers for projection SQL on the append transaction.</summary>
static class Sql
{
    /// <summary>A command to read with: a rebuild's queued writes are sent first, so it sees them.</summary>
    public static async Task<NpgsqlCommand> CommandAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct, params object?[] args)
    {
        await ReplayBatch.FlushAsync(connection, transaction, ct);
        var command = new NpgsqlCommand(ProjectionTarget.Sql(transaction, sql), connection, transaction);
        command.Parameters.AddRange(Parameters(args));
        return command;
    }

    /// <summary>A write: run now, or queued when the transaction is a rebuild's replay.</summary>
    public static Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object?[] args)
    {
        var command = new NpgsqlBatchCommand(ProjectionTarget.Sql(transaction, sql));
        command.Parameters.AddRange(Parameters(args));
        return ReplayBatch.ExecuteAsync(connection, transaction, [command], ct);
    }

    static NpgsqlParameter[] Parameters(object?[] args) =>
    [
        .. args.Select(arg => arg switch
        {
            null => new NpgsqlParameter { Value = DBNull.Value },
            NpgsqlParameter p => p,
            _ => new NpgsqlParameter { Value = arg },
        }),
    ];

    public static NpgsqlParameter NullableText(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    public static NpgsqlParameter NullableDate(DateOnly? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date };

    /// <summary>Deletes a tenant's rows (all rows when tenant is null) from each table.</summary>
    public static async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct, params string[] tables)
    {
        foreach (var table in tables)
        {
            await ExecuteAsync(connection, transaction, $"DELETE FROM {table} WHERE $1::text IS NULL OR tenant = $1", ct, NullableText(tenant));
        }
    }

    public static async Task<List<T>> ListAsync<T>(
        NpgsqlConnection c, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var command = await CommandAsync(c, tx, sql, ct, args);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
