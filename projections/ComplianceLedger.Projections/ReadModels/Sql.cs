using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Small helpers for projection SQL on the append transaction.</summary>
static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object?[] args)
    {
        var command = new NpgsqlCommand(ProjectionTarget.Sql(transaction, sql), connection, transaction);
        foreach (var arg in args)
        {
            command.Parameters.Add(arg switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                NpgsqlParameter p => p,
                _ => new NpgsqlParameter { Value = arg },
            });
        }
        return command;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object?[] args)
    {
        await using var command = Command(connection, transaction, sql, args);
        await command.ExecuteNonQueryAsync(ct);
    }

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
        await using var command = Sql.Command(c, tx!, sql, args);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
