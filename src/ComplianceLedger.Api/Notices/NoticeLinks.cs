using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.Api.SignIn;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// The link in a message that stops its optional copies: it carries the person and a MAC over
/// them, so whoever holds the message may use it (RFC 8058's one-click unsubscribe needs no
/// sign-in) and nobody can make one for someone else.
/// </summary>
public sealed class NoticeLinks(SignInEmails keys, IConfiguration configuration)
{
    readonly byte[] key = keys.DerivedKey("compliance-ledger/notice-links/v1");

    /// <summary>Where the links in messages lead (<c>Ledger:Mail:SiteUrl</c>).</summary>
    public string Site => (configuration["Ledger:Mail:SiteUrl"] ?? "http://localhost:5075").TrimEnd('/');

    public string StopCopiesUrl(string urn, Guid personId) => $"{Site}{StopCopiesPath(urn, personId)}";

    public string StopCopiesPath(string urn, Guid personId) => $"/notices/{urn}/{personId:D}/stop-copies?token={Token(urn, personId)}";

    public bool IsValid(string urn, Guid personId, string? token) =>
        token is { Length: 64 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(Token(urn, personId)));

    string Token(string urn, Guid personId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"stop-copies:{urn}:{personId:D}")));
}
