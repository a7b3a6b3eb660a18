using ComplianceLedger.Api.AsOf;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The school's registers: every declared relationship (<c>declaration</c>) or every exception request
/// (<c>exception</c>), whatever its state, oldest first, live or "as of" (one read of rm.exceptions).
/// </summary>
public static class ExceptionRegister
{
    public const string Relationships = "declaration";

    public const string Exceptions = "exception";

    public static async Task<Listing<ExceptionView>> ListAsync(ReadScope scope, PersonalDataVault vault, string urn, string subject, CancellationToken ct)
    {
        var heads = await ExceptionCase.HeadteachersAsync(scope, urn, ct);
        return new Listing<ExceptionView>(scope.AsOf, await ExceptionViews.QueryAsync(scope, vault, urn, "x.subject = $2", heads, ct, subject));
    }

    public static async Task<Listing<ExceptionView>> ListAsync(
        ReadModelReader readModels, PersonalDataVault vault, string urn, string subject, string? asOf, CancellationToken ct)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        return await ListAsync(scope, vault, urn, subject, ct);
    }
}
