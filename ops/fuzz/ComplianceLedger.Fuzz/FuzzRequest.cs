using System.Text;

namespace ComplianceLedger.Fuzz;

/// <summary>One request as sent, kept whole enough to send again by hand.</summary>
sealed record FuzzRequest(string Operation, HttpMethod Method, string Url, string Mutation)
{
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    /// <summary>A request no operation may accept (a body that is not JSON, or not of the type the operation takes).</summary>
    public bool MustRefuse { get; init; }

    public bool IsApi => Url.StartsWith("/api/", StringComparison.Ordinal);

    /// <summary>Every text the request carried, for the check that a problem does not echo it.</summary>
    public IEnumerable<string> Sent()
    {
        string url;
        try
        {
            url = Uri.UnescapeDataString(Url);
        }
        catch (UriFormatException)
        {
            url = Url;
        }
        yield return url;
        if (Body is not null)
        {
            yield return Encoding.UTF8.GetString(Body);
        }
        foreach (var (_, value) in Headers)
        {
            yield return value;
        }
    }

    public HttpRequestMessage Message()
    {
        var message = new HttpRequestMessage(Method, new Uri(Url, UriKind.Relative));
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
            // A body past the server's limit is refused before it is read; without this the
            // client would still be sending when the server closes the connection.
            message.Headers.ExpectContinue = Body.Length > 64 * 1024;
        }
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }

    /// <summary>The request as a curl command line (the body cut to 300 characters).</summary>
    public string Describe(Uri address)
    {
        var text = new StringBuilder($"curl -X {Method} '{address.GetLeftPart(UriPartial.Authority)}{ProblemWords.Truncate(Url, 300)}'");
        foreach (var (name, value) in Headers)
        {
            text.Append($" -H '{name}: {ProblemWords.Truncate(value, 80)}'");
        }
        if (ContentType is not null)
        {
            text.Append($" -H 'Content-Type: {ContentType}'");
        }
        if (Body is not null)
        {
            var body = Encoding.UTF8.GetString(Body);
            text.Append($" --data-raw '{ProblemWords.Truncate(body, 300).Replace("\0", "\\0", StringComparison.Ordinal)}' ({Body.Length} bytes)");
        }
        return text.ToString();
    }
}
