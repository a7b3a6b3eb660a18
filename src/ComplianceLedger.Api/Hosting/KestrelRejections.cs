using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// Kestrel refuses a request it cannot parse (a NUL or a byte outside ASCII in the path, a malformed
/// request line or header) before the application sees it, with an empty 400 and no content type.
/// Nothing in ASP.NET Core lets the app answer those, so this connection middleware recognises that
/// one response as Kestrel writes it and gives it a problem-details body like every other error.
/// </summary>
public static class KestrelRejections
{
    public static WebApplicationBuilder AnswerKestrelRejectionsWithProblems(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(o => o.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
        {
            connection.Transport = new Pipe(connection.Transport);
            return next(connection);
        })));
        return builder;
    }

    static readonly byte[] Body = Encoding.UTF8.GetBytes("""
        {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The request could not be read","status":400,"detail":"The request line or a header holds what HTTP cannot carry (a NUL, a byte outside ASCII, a malformed line): percent-encode such characters in the path and query, or leave them out."}
        """);

    static readonly byte[] Rejection = "HTTP/1.1 400 Bad Request\r\n"u8.ToArray();
    static readonly byte[] EmptyBody = "\r\nContent-Length: 0\r\n"u8.ToArray();
    static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    /// <summary>The response as it goes out, if it is Kestrel's own empty 400; otherwise null.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        if (!written.StartsWith(Rejection))
        {
            return null;
        }
        var end = written.IndexOf(EndOfHeaders);
        var emptyBody = written.IndexOf(EmptyBody);
        // Exactly a header block, with no body, no content type: only Kestrel's refusal looks like this.
        if (end < 0 || end + EndOfHeaders.Length != written.Length || emptyBody < 0 || emptyBody > end
            || written.IndexOf("Content-Type:"u8) >= 0)
        {
            return null;
        }
        var length = Encoding.ASCII.GetBytes($"\r\nContent-Type: application/problem+json\r\nContent-Length: {Body.Length}\r\n");
        return [.. written[..emptyBody], .. length, .. written[(emptyBody + EmptyBody.Length)..], .. Body];
    }

    sealed class Pipe(IDuplexPipe inner) : IDuplexPipe
    {
        public PipeReader Input => inner.Input;

        public PipeWriter Output { get; } = new Writer(inner.Output);
    }

    /// <summary>Passes every write through, looking only at the first bytes of each for Kestrel's refusal.</summary>
    sealed class Writer(PipeWriter inner) : PipeWriter
    {
        Memory<byte> lent;

        public override void Advance(int bytes)
        {
            if (bytes >= Rejection.Length && bytes <= 1024 && lent.Length >= bytes && Rewrite(lent.Span[..bytes]) is { } answer)
            {
                // Nothing handed out is committed until Advance: write the answer over it instead.
                lent = default;
                inner.Write(answer);
                return;
            }
            lent = default;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => lent = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (lent = inner.GetMemory(sizeHint)).Span;

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(source, cancellationToken);
    }
}
