using System.Diagnostics;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;
using Npgsql;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>Who asked for which school's pack, and for what period.</summary>
/// <param name="RequestedBy">The actor id (person:…, system:cli) the manifest records.</param>
/// <param name="RequestedByName">The name the report prints.</param>
public sealed record PackOrder(string Urn, PackPeriod Period, string RequestedBy, string RequestedByName);

/// <summary>How far a build has gone, in words and per cent, for the page's and the CLI's progress bars.</summary>
public sealed record PackProgress(string Step, int Percent);

/// <summary>
/// Builds a school's evidence pack (docs/ledger-format.md, "Evidence packs"): the ledger's files
/// under a tree head signed now, the report and registers, verify.html and the signed manifest,
/// written to one zip.
/// </summary>
public sealed class EvidencePackBuilder(
    IServiceProvider services, NpgsqlDataSource dataSource, CheckpointIssuer issuer, SigningKey key, PersonalDataVault vault, TimeProvider time)
{
    public const string VerifyPageFile = "verify.html";

    static readonly ActivitySource Source = new("ComplianceLedger.EvidencePacks");

    /// <summary>The school's name, or null when there is no such school.</summary>
    public async Task<string?> SchoolNameAsync(string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task<PackManifest> WriteAsync(Stream output, PackOrder order, IProgress<PackProgress>? progress, CancellationToken ct)
    {
        using var activity = Source.StartActivity("evidence-pack.build");
        activity?.SetTag("ledger.tenant", order.Urn);
        var schoolName = await SchoolNameAsync(order.Urn, ct)
            ?? throw new InvalidOperationException($"There is no school with URN {order.Urn}.");
        var period = order.Period.AsOf ? order.Period with { From = await FirstDayAsync(order.Urn, order.Period.To, ct) } : order.Period;
        var generatedAt = time.GetUtcNow();

        progress?.Report(new("Signing the ledger's tree head", 2));
        var expected = await EventCountAsync(order.Urn, ct);
        var ledger = await PackLedger.ReadAsync(dataSource, issuer, key, vault, order.Urn, schoolName, period,
            new InOrderProgress<long>(n => progress?.Report(new($"Reading the ledger: {n:N0} events", 5 + (int)(45 * n / Math.Max(1, expected))))), ct);
        activity?.SetTag("ledger.events", ledger.Range.Count);

        progress?.Report(new("Writing the report and registers", 50));
        var files = new List<PackFile>(await ReportFilesAsync(order, schoolName, period, generatedAt, ledger, progress, ct))
        {
            VerifyPage(),
        };

        progress?.Report(new("Writing the zip", 92));
        var manifest = PackZip.Write(output, new PackSchool(order.Urn, schoolName), period, generatedAt, order.RequestedBy, ledger, files, key);
        progress?.Report(new("Done", 100));
        return manifest;
    }

    Task<IReadOnlyList<PackFile>> ReportFilesAsync(
        PackOrder order, string schoolName, PackPeriod period, DateTimeOffset generatedAt, PackLedgerFiles ledger, IProgress<PackProgress>? progress, CancellationToken ct)
    {
        var head = ledger.Head;
        var request = new Report.ReportRequest(order.Urn, schoolName, period.From, period.To, period.AsOf, generatedAt, order.RequestedByName,
            head.TreeSize, Convert.ToHexStringLower(head.Root), head.KeyId, head.ToDigest(schoolName));
        var steps = 0;
        return Report.PackReport.BuildAsync(request, services, new InOrderProgress<string>(step =>
            progress?.Report(new(step, Math.Min(90, 50 + 10 * Interlocked.Increment(ref steps))))), ct);
    }

    /// <summary>The offline verifier, as built into the app.</summary>
    static PackFile VerifyPage()
    {
        using var stream = typeof(EvidencePackBuilder).Assembly.GetManifestResourceStream("ComplianceLedger.Api.EvidencePacks.verify.html");
        if (stream is null)
        {
            throw new InvalidOperationException("verify.html is not embedded in the app: the build lost EvidencePacks/verify.html.");
        }
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return new PackFile(VerifyPageFile, buffer.ToArray());
    }

    async Task<DateOnly> FirstDayAsync(string urn, DateOnly orLater, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT min(recorded_at) FROM ledger.events WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) is DateTime first
            ? new[] { SchoolDay.Of(new DateTimeOffset(first, TimeSpan.Zero)), orLater }.Min()
            : orLater;
    }

    async Task<long> EventCountAsync(string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM ledger.chain_heads WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>
/// Reports at once, on the caller's thread. <see cref="Progress{T}"/> posts each report to the
/// thread pool, so a late "45%" could land after "Done" and leave a finished pack showing 45%.
/// </summary>
public sealed class InOrderProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
