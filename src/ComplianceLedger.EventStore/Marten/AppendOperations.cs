using System.Data.Common;
using JasperFx.Events;
using Marten.Internal;
using Weasel.Postgresql;
using Weasel.Storage;

namespace ComplianceLedger.EventStore.Marten;

/// <summary>
/// The first statement of the append's batch: the school's lock, the events' digests for the chain
/// trigger (042), and under the lock <c>ledger.append_guard</c> (044), which refuses with LDG20
/// when the stream's version or the command's earlier result changed since the store read them.
/// Typed as an event operation so that Marten sends it before the events: Marten runs event
/// operations first, in the order they were queued, and a stream's append is queued at save.
/// </summary>
sealed class LockAndGuard(string tenant, string digests, string stream, long? version, string? commandId)
    : global::Marten.Internal.Operations.IStorageOperation
{
    // The lock and the digests in a subquery the guard's row comes from, so they are taken first.
    static readonly string Sql =
        "SELECT ledger.append_guard(?, ?, ?, ?) FROM (SELECT " + LedgerMarten.LockSchool.Replace("$1", "?", StringComparison.Ordinal)
        + ", set_config('ledger.digests', ?, true) OFFSET 0) locked";

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        var parameters = builder.AppendWithParameters(Sql, '?');
        Text(parameters[0], tenant);
        Text(parameters[1], stream);
        parameters[2].Value = version is { } v ? v : DBNull.Value;
        parameters[2].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        Text(parameters[3], commandId);
        Text(parameters[4], tenant);
        Text(parameters[5], digests);
    }

    static void Text(Npgsql.NpgsqlParameter parameter, string? value)
    {
        parameter.Value = (object?)value ?? DBNull.Value;
        parameter.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
    }

    public Type DocumentType => typeof(IEvent);

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    public Weasel.Core.OperationRole Role() => Weasel.Core.OperationRole.Other;
}

/// <summary>
/// Reads back, in the append's batch and after its events, the chain positions the trigger gave
/// them: the school's last <c>count</c> links, which are this append's, for the trigger holds the
/// school's lock from the first insert to the commit.
/// </summary>
sealed class ReadChainPositions(string tenant, int count) : global::Marten.Internal.Operations.IStorageOperation
{
    public IReadOnlyList<(long Position, long Sequence)> Links { get; private set; } = [];

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        var parameters = builder.AppendWithParameters(
            "SELECT chain_position, seq_id FROM ledger.chain WHERE tenant = ? ORDER BY chain_position DESC LIMIT ?", '?');
        parameters[0].Value = tenant;
        parameters[0].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        parameters[1].Value = count;
        parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
    }

    // Not an event operation: Marten sends it after them.
    public Type DocumentType => typeof(ReadChainPositions);

    public async Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token)
    {
        var links = new List<(long, long)>(count);
        while (await reader.ReadAsync(token))
        {
            links.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        links.Reverse();
        Links = links;
    }

    public Weasel.Core.OperationRole Role() => Weasel.Core.OperationRole.Other;
}
