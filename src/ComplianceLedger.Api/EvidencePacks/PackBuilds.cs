using System.Collections.Concurrent;
using System.Globalization;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;
using Npgsql;

namespace ComplianceLedger.Api.EvidencePacks;

public enum PackState
{
    Building,
    Ready,
    Failed,
}

/// <summary>One pack being built, or built, for the person who asked; its zip is a temporary file.</summary>
public sealed class PackBuild(Guid id, string urn, string actor, PackPeriod period, DateTimeOffset startedAt)
{
    public Guid Id { get; } = id;

    public string Urn { get; } = urn;

    /// <summary>Who asked: the only one who sees the build or downloads it.</summary>
    public string Actor { get; } = actor;

    public PackPeriod Period { get; } = period;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public string Step { get; internal set; } = "Waiting to start";

    public int Percent { get; internal set; }

    public PackState State { get; internal set; } = PackState.Building;

    public long Bytes { get; internal set; }

    public DateTimeOffset? FinishedAt { get; internal set; }

    /// <summary>What went wrong, in words for the person (never an exception's text).</summary>
    public string? Message { get; internal set; }

    internal string FilePath { get; } = Path.Combine(Path.GetTempPath(), $"evidence-pack-{id:N}.zip");

    public string FileName => Period.AsOf
        ? $"evidence-pack-{Urn}-as-of-{Day(Period.To)}.zip"
        : $"evidence-pack-{Urn}-{Day(Period.From)}-to-{Day(Period.To)}.zip";

    static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// The evidence packs being built: in the background (the request only starts one), one at a time
/// per school, each written to a temporary file that is kept for an hour after it is finished and
/// then deleted. Held in memory: a restart forgets them, and the person builds the pack again.
/// </summary>
public sealed partial class PackBuilds : IDisposable
{
    /// <summary>How long a finished pack waits to be downloaded.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    public const string FailedMessage = "The evidence pack could not be built. Nothing was changed in the ledger. Try again; if it fails again, tell the school's administrator the time it failed.";

    readonly ConcurrentDictionary<Guid, PackBuild> builds = new();
    readonly Lock starting = new();
    readonly EvidencePackBuilder builder;
    readonly NpgsqlDataSource dataSource;
    readonly PersonalDataVault vault;
    readonly TimeProvider time;
    readonly ILogger<PackBuilds> logger;
    readonly CancellationToken stopping;
    readonly ITimer sweeper;

    public PackBuilds(EvidencePackBuilder builder, NpgsqlDataSource dataSource, PersonalDataVault vault, TimeProvider time,
        IHostApplicationLifetime lifetime, ILogger<PackBuilds> logger)
    {
        (this.builder, this.dataSource, this.vault, this.time, this.logger) = (builder, dataSource, vault, time, logger);
        stopping = lifetime.ApplicationStopping;
        sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
    }

    /// <summary>Every build held for the school (for tests and the sweep).</summary>
    public IReadOnlyList<PackBuild> Of(string urn) => [.. builds.Values.Where(b => b.Urn == urn)];

    /// <summary>The build, when it is the asker's own at this school; anyone else's is as if it did not exist.</summary>
    public PackBuild? Find(string urn, Guid id, string actor)
    {
        Sweep();
        return builds.TryGetValue(id, out var build) && build.Urn == urn && build.Actor == actor ? build : null;
    }

    /// <summary>Starts a build, or returns the one already running for the school (and starts nothing).</summary>
    public (PackBuild Build, bool Started) Start(string urn, Guid personId, string actor, PackPeriod period)
    {
        Sweep();
        PackBuild build;
        lock (starting)
        {
            if (builds.Values.FirstOrDefault(b => b.Urn == urn && b.State == PackState.Building) is { } running)
            {
                return (running, false);
            }
            build = new PackBuild(Guid.CreateVersion7(time.GetUtcNow()), urn, actor, period, time.GetUtcNow());
            builds[build.Id] = build;
        }
        _ = Task.Run(() => BuildAsync(build, personId), stopping);
        return (build, true);
    }

    async Task BuildAsync(PackBuild build, Guid personId)
    {
        try
        {
            var name = await NameAsync(build.Urn, personId, stopping);
            // The pack names people: readable by the app's own user alone while it waits to be downloaded.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            await using (var file = new FileStream(build.FilePath, options))
            {
                var progress = new Progress(build);
                await builder.WriteAsync(file, new PackOrder(build.Urn, build.Period, build.Actor, name), progress, stopping);
            }
            build.Bytes = new FileInfo(build.FilePath).Length;
            (build.Step, build.Percent) = ("Done", 100);
            build.FinishedAt = time.GetUtcNow();
            build.State = PackState.Ready;
        }
        catch (Exception e)
        {
            BuildFailed(logger, e, build.Id, build.Urn, build.Step);
            build.Message = FailedMessage;
            build.FinishedAt = time.GetUtcNow();
            build.State = PackState.Failed;
            TryDelete(build.FilePath);
        }
    }

    async Task<string> NameAsync(string urn, Guid personId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT sealed_name FROM rm.people WHERE tenant = $1 AND person_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        return await command.ExecuteScalarAsync(ct) is string sealedName && await vault.OpenAsync(urn, sealedName, ct) is { } name
            ? name
            : $"person {personId:D}";
    }

    /// <summary>Reported from the builder's thread: the page reads the latest step and percent.</summary>
    sealed class Progress(PackBuild build) : IProgress<PackProgress>
    {
        public void Report(PackProgress value) => (build.Step, build.Percent) = (value.Step, Math.Clamp(value.Percent, 0, 99));
    }

    void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var build in builds.Values.Where(b => b.FinishedAt is { } at && now - at > KeptFor))
        {
            if (builds.TryRemove(build.Id, out _))
            {
                TryDelete(build.FilePath);
            }
        }
    }

    void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            NotDeleted(logger, e, path);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Evidence pack {PackId} for school {Urn} failed at {Step}")]
    static partial void BuildFailed(ILogger logger, Exception e, Guid packId, string urn, string step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the evidence pack file {Path}")]
    static partial void NotDeleted(ILogger logger, Exception e, string path);

    /// <summary>Opens a ready build's zip to send.</summary>
    public static Stream Open(PackBuild build) => new FileStream(build.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    public void Dispose()
    {
        sweeper.Dispose();
        foreach (var build in builds.Values)
        {
            TryDelete(build.FilePath);
        }
    }
}
