using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// One line per event in rm.audit_trail. Async: an inspector reads it later, and writing it in
/// the append would only slow the append. Each batch is one multi-row INSERT.
/// </summary>
public sealed class AuditTrailProjection : IProjection
{
    public string Name => "audit-trail";

    public ProjectionMode Mode => ProjectionMode.Async;

    public bool Projects(string eventType) => true;

    public IReadOnlyList<ProjectionTable> Tables { get; } = [new("audit_trail") { InsertOnly = true }];

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) =>
        Sql.ResetAsync(connection, transaction, tenant, ct, "rm.audit_trail");

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        // A rebuild writes positions its tables do not hold yet: COPY is the cheapest way in.
        if (ReplayBatch.IsReplaying(transaction))
        {
            await using var copy = await connection.BeginBinaryImportAsync(ProjectionTarget.Sql(transaction, """
                COPY rm.audit_trail (tenant, position, recorded_at, actor, event_type, stream_id, line) FROM STDIN (FORMAT BINARY)
                """), ct);
            // The rows go into Npgsql's buffer and are sent as it fills: written synchronously, a
            // value costs no async state machine, and the line is built in one reused buffer.
            var line = new LineBuilder();
            foreach (var e in events)
            {
                copy.StartRow();
                copy.Write(e.Tenant, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.ChainPosition, NpgsqlTypes.NpgsqlDbType.Bigint);
                copy.Write(e.RecordedAt.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz);
                copy.Write(e.Actor, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.EventType, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.StreamId, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(line.Build(e), NpgsqlTypes.NpgsqlDbType.Text);
            }
            await copy.CompleteAsync(ct);
            return;
        }
        await Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO rm.audit_trail (tenant, position, recorded_at, actor, event_type, stream_id, line)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
            """, ct,
            events.Select(e => e.Tenant).ToArray(), events.Select(e => e.ChainPosition).ToArray(),
            events.Select(e => e.RecordedAt).ToArray(), events.Select(e => e.Actor).ToArray(),
            events.Select(e => e.EventType).ToArray(), events.Select(e => e.StreamId).ToArray(),
            events.Select(Line).ToArray());
    }

    // Fields safe to show: identifiers, labels, dates and outcomes. Anything sealed (names,
    // descriptions, reasons) stays out, so crypto-shredding a person leaves the trail clean.
    static readonly string[] Shown =
    [
        "policyId", "versionLabel", "personId", "itemId", "accountId", "kind", "platform", "handle", "roles", "method",
        "effectiveFrom", "nextReviewDue", "leftOn", "from", "on", "outcome", "reviewOn", "until", "custodianId",
    ];

    // Matched as UTF-8, the JSON's own encoding, so no name is converted to compare it.
    static readonly byte[][] ShownUtf8 = [.. Shown.Select(Encoding.UTF8.GetBytes)];

    /// <summary>The field's place in <see cref="Shown"/>, or -1.</summary>
    static int ShownIndex(JsonProperty property)
    {
        var name = JsonMarshal.GetRawUtf8PropertyName(property);
        var escaped = name.IndexOf((byte)'\\') >= 0;
        for (var i = 0; i < ShownUtf8.Length; i++)
        {
            if (escaped ? property.NameEquals(ShownUtf8[i]) : name.SequenceEqual(ShownUtf8[i]))
            {
                return i;
            }
        }
        return -1;
    }

    // Text values are cut to this many characters.
    const int Longest = 80;

    /// <summary>"policy acknowledged (policyId safeguarding, versionLabel 3, personId …)".</summary>
    public static string Line(StoredEvent e) => new LineBuilder().Build(e).ToString();

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Words = new(StringComparer.Ordinal);

    static string Describe(string name)
    {
        var version = name.LastIndexOf(".v", StringComparison.Ordinal);
        return (version > 0 ? name[..version] : name).Replace('.', ' ').Replace('-', ' ');
    }

    /// <summary>Builds lines into one buffer, reused line after line (a rebuild writes one per event).</summary>
    sealed class LineBuilder
    {
        readonly JsonElement[] values = new JsonElement[Shown.Length];
        char[] buffer = new char[256];
        int length;

        /// <summary>The event's line, valid until the next call.</summary>
        public ReadOnlyMemory<char> Build(StoredEvent e)
        {
            length = 0;
            Append(Words.GetOrAdd(e.EventType, Describe));
            var data = e.ParsedData();
            var opened = false;
            if (data.ValueKind == JsonValueKind.Object)
            {
                // One pass over the event's fields instead of a lookup per shown name; a repeated
                // name keeps its last value, as a lookup would.
                var present = 0;
                foreach (var property in data.EnumerateObject())
                {
                    if (ShownIndex(property) is var i and >= 0)
                    {
                        values[i] = property.Value;
                        present |= 1 << i;
                    }
                }
                for (var i = 0; present != 0; i++, present >>= 1)
                {
                    if ((present & 1) == 0)
                    {
                        continue;
                    }
                    var start = length;
                    Append(opened ? ", " : " (");
                    Append(Shown[i]);
                    Append(" ");
                    var text = length;
                    // A field shows only with a non-empty value.
                    if (AppendText(values[i]) && length > text)
                    {
                        opened = true;
                    }
                    else
                    {
                        length = start;
                    }
                }
            }
            if (opened)
            {
                Append(")");
            }
            return buffer.AsMemory(0, length);
        }

        /// <summary>Appends the value's text (strings, numbers, booleans, arrays of them joined by '/'), cut to <see cref="Longest"/>; false when it has none.</summary>
        bool AppendText(JsonElement value)
        {
            var start = length;
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
                    if (raw.IndexOf((byte)'\\') >= 0)
                    {
                        Append(value.GetString()!);
                    }
                    else
                    {
                        AppendUtf8(raw);
                    }
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    AppendUtf8(JsonMarshal.GetRawUtf8Value(value));
                    break;
                case JsonValueKind.Array:
                    var first = true;
                    foreach (var item in value.EnumerateArray())
                    {
                        if (item.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Array)
                        {
                            if (!first)
                            {
                                Append("/");
                            }
                            AppendText(item);
                            first = false;
                        }
                    }
                    break;
                default:
                    return false;
            }
            length = Math.Min(length, start + Longest);
            return true;
        }

        void Append(ReadOnlySpan<char> text)
        {
            Reserve(text.Length);
            text.CopyTo(buffer.AsSpan(length));
            length += text.Length;
        }

        void AppendUtf8(ReadOnlySpan<byte> utf8)
        {
            Reserve(Encoding.UTF8.GetMaxCharCount(utf8.Length));
            length += Encoding.UTF8.GetChars(utf8, buffer.AsSpan(length));
        }

        void Reserve(int more)
        {
            if (length + more > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + more));
            }
        }
    }
}
