using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.Checkpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Ledger;

/// <summary>Signs a checkpoint of a school's chain on demand, and publishes the key that signs them.</summary>
public static class IssueCheckpoint
{
    /// <param name="TreeRoot">The signed Merkle root of the events 1..position (null for a checkpoint signed before tree heads).</param>
    public sealed record CheckpointView(string Tenant, long Position, string HeadHash, DateTimeOffset IssuedAt, string KeyId, string Signature, string? TreeRoot)
    {
        public static CheckpointView Of(Checkpoint c) => new(
            c.Tenant, c.Position, Convert.ToHexStringLower(c.HeadHash), c.IssuedAt, c.KeyId, Convert.ToBase64String(c.Signature),
            c.TreeRoot is { } root ? Convert.ToHexStringLower(root) : null);
    }

    public sealed record KeyView(string KeyId, string PublicKeyPem);

    public static async Task<Results<Created<CheckpointView>, ProblemHttpResult>> Handle(string urn, CheckpointIssuer issuer, CancellationToken ct)
    {
        if (await issuer.IssueAsync(urn, ct) is not { } c)
        {
            return TypedResults.Problem($"School {urn} has no events to checkpoint.", statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Created($"/api/schools/{urn}/checkpoints/{c.Position}", CheckpointView.Of(c));
    }

    public static Ok<KeyView> PublicKey(SigningKey key) => TypedResults.Ok(new KeyView(key.KeyId, key.PublicKeyPem()));
}
