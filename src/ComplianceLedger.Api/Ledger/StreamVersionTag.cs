using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace ComplianceLedger.Api.Ledger;

/// <summary>A stream's version as an entity tag: sent as the ETag, taken back in If-Match.</summary>
public static class StreamVersionTag
{
    public static string Quote(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The version in an If-Match of one strong tag such as <c>"3"</c>. A weak tag, a list, or
    /// <c>*</c> (which names no version to expect) is not one.
    /// </summary>
    public static bool TryParse(string ifMatch, out long version)
    {
        version = 0;
        return EntityTagHeaderValue.TryParse(ifMatch, out var tag) && !tag.IsWeak && tag.Tag.Length >= 2
            && long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }
}
