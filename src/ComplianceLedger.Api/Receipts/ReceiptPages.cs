using ComplianceLedger.Api.Receipts.Pages;
using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Receipts;

/// <summary>One entry of the school's ledger as its recorder's receipt shows it.</summary>
public sealed record Receipt(string Urn, long Position, string EventType, DateTimeOffset RecordedAt, string Hash, string PreviousHash, Guid EventId)
{
    public string ReceiptHref => $"/schools/{Urn}/receipts/{Position}";

    /// <summary>The receipt as a file anyone can check offline (<see cref="DownloadReceipt"/>).</summary>
    public string DownloadHref => $"/api/schools/{Urn}/receipts/{EventId:D}";
}

/// <summary>
/// A person's receipt for what they recorded: the entry's chain position, when, what kind, and
/// its hash and the hash before it, and the file to download: the event with its inclusion proof
/// and the signed tree head, which anyone can check offline. Only the person who recorded it is
/// shown it here (a governor reads the audit trail).
/// </summary>
public static class ReceiptPages
{

    public static RouteGroupBuilder MapReceiptPages(this RouteGroupBuilder school)
    {
        school.MapGet("/receipts/{position:long}", ReceiptPageAsync);
        return school;
    }

    static async Task<Results<RazorComponentResult<ReceiptPage>, ProblemHttpResult>> ReceiptPageAsync(
        long position, SchoolMember member, NpgsqlDataSource dataSource, CancellationToken ct) =>
        await FindAsync(dataSource, member, position, ct) is { } receipt
            ? new RazorComponentResult<ReceiptPage>(new { Entry = receipt })
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such receipt",
                detail: $"You recorded nothing at position {position} of this school's ledger.");

    /// <summary>The member's own entry at <paramref name="position"/>, or null (someone else's, or none).</summary>
    public static async Task<Receipt?> FindAsync(NpgsqlDataSource dataSource, SchoolMember member, long? position, CancellationToken ct)
    {
        if (position is not { } at || at < 1)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT event_type, recorded_at, encode(hash, 'hex'), encode(prev_hash, 'hex'), event_id
              FROM ledger.events WHERE tenant = $1 AND chain_position = $2 AND actor = $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member.Urn });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = at });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member.Actor });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Receipt(member.Urn, at, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4))
            : null;
    }
}
