using ComplianceLedger.Api.Receipts.Pages;
using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Receipts;

/// <summary>One entry of the school's ledger as its recorder's receipt shows it.</summary>
public sealed record Receipt(string Urn, long Position, string EventType, DateTimeOffset RecordedAt, string Hash, string PreviousHash)
{
    public string ReceiptHref => $"/schools/{Urn}/receipts/{Position}";
}

/// <summary>
/// A person's receipt for what they recorded: the entry's chain position, when, what kind, and
/// its hash and the hash before it, which anyone holding the school's published chain can check.
/// Only the person who recorded it is shown it here (a governor reads the audit trail). The
/// signed inclusion proof joins it with the evidence packs.
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
            SELECT event_type, recorded_at, encode(hash, 'hex'), encode(prev_hash, 'hex')
              FROM ledger.events WHERE tenant = $1 AND chain_position = $2 AND actor = $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member.Urn });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = at });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member.Actor });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Receipt(member.Urn, at, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3))
            : null;
    }
}
