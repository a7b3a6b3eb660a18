namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// When two registrations name the same official account, and whether an account's URL is the
/// address of its handle. Pure: the register's decision and its read model use the same key.
/// </summary>
public static class AccountHandles
{
    /// <summary>
    /// The handle as the register compares it: trimmed, without one leading <c>@</c>, lower-cased
    /// (platforms treat <c>@PE_BPA</c> and <c>pe_bpa</c> as the same account).
    /// </summary>
    public static string Key(string handle)
    {
        var text = handle.Trim();
        return (text.StartsWith('@') ? text[1..] : text).ToLowerInvariant();
    }

    /// <summary>How one platform's profile addresses carry the handle.</summary>
    sealed record Form(string Name, string[] Hosts, bool AtSign, string[] NotProfiles)
    {
        public string Example(string handle) => $"https://{(Hosts[0] == "x.com" ? "" : "www.")}{Hosts[0]}/{(AtSign ? "@" : "")}{Bare(handle)}";
    }

    static readonly Dictionary<string, Form> Forms = new(StringComparer.Ordinal)
    {
        ["x"] = new("X", ["x.com", "twitter.com"], false, ["i", "intent", "home", "search", "hashtag", "share", "explore", "settings"]),
        ["instagram"] = new("Instagram", ["instagram.com"], false, ["p", "reel", "reels", "stories", "explore", "tv", "accounts"]),
        ["facebook"] = new("Facebook", ["facebook.com", "fb.com"], false,
            ["profile.php", "pages", "pg", "groups", "people", "p", "share", "watch", "events"]),
        // TikTok and YouTube profiles are /@handle; their other addresses (/channel/UC…, /c/…) do not carry it.
        ["tiktok"] = new("TikTok", ["tiktok.com"], true, []),
        ["youtube"] = new("YouTube", ["youtube.com"], true, []),
    };

    static readonly string[] SubHosts = ["www.", "m.", "mobile.", "web."];

    static string Bare(string handle) => handle.Trim().TrimStart('@');

    /// <summary>
    /// Null when <paramref name="url"/> can be the address of <paramref name="handle"/> on the
    /// platform (written as in the ledger: <c>x</c>, <c>youtube</c>…), otherwise what was expected.
    /// Platforms whose addresses do not carry the handle (Class Dojo, LinkedIn, other) are not checked.
    /// </summary>
    public static string? UrlMismatch(string platform, string handle, string url)
    {
        if (!Forms.TryGetValue(platform, out var form) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }
        var host = uri.Host.ToLowerInvariant();
        var sub = SubHosts.FirstOrDefault(s => host.StartsWith(s, StringComparison.Ordinal));
        if (!form.Hosts.Contains(sub is null ? host : host[sub.Length..]))
        {
            return $"url must be an address on {string.Join(" or ", form.Hosts)} for a {form.Name} account, such as {form.Example(handle)}.";
        }
        var first = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } segment
            ? Uri.UnescapeDataString(segment)
            : null;
        if (first is null)
        {
            return $"url must be the address of {handle} itself, such as {form.Example(handle)}.";
        }
        if (form.AtSign ? !first.StartsWith('@') : form.NotProfiles.Contains(first.ToLowerInvariant()))
        {
            // An address of another form (a post, a page id, a channel id) does not name the handle.
            return null;
        }
        return Key(first) == Key(handle)
            ? null
            : $"url names the account {Cut(first)}, not {handle}: the address of {handle} on {form.Name} is {form.Example(handle)}.";
    }

    static string Cut(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
