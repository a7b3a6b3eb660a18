using System.Collections.Concurrent;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Api.Import;

public enum ImportJobState
{
    Running,
    Done,
    Failed,
}

/// <summary>One file being imported from the office page, for the person who confirmed it.</summary>
public sealed class ImportJob(Guid id, string urn, string actor, ImportKind kind, string fileName, string sha256)
{
    public Guid Id { get; } = id;

    public string Urn { get; } = urn;

    /// <summary>Who confirmed it: the only one who sees its progress.</summary>
    public string Actor { get; } = actor;

    public ImportKind Kind { get; } = kind;

    public string FileName { get; } = fileName;

    public string Sha256 { get; } = sha256;

    public int Done { get; internal set; }

    public int Total { get; internal set; }

    public ImportJobState State { get; internal set; } = ImportJobState.Running;

    public ImportOutcome? Outcome { get; internal set; }

    /// <summary>What went wrong, in words for the person (never an exception's text).</summary>
    public string? Message { get; internal set; }

    public int Percent => State == ImportJobState.Done ? 100 : Total == 0 ? 0 : (int)(100L * Done / Total);
}

/// <summary>
/// Imports confirmed on the office page, run in the background by the same code as
/// <c>ledger import</c> (<see cref="SchoolImport"/>): the page shows the progress and the result.
/// One at a time per school. Held in memory: after a restart the person imports the file again,
/// and the rows already written are skipped.
/// </summary>
public sealed partial class ImportJobs(IServiceProvider services, SigningKey key, IHostApplicationLifetime lifetime, ILogger<ImportJobs> logger)
{
    public const string FailedMessage = "The import stopped before it finished. Import the same file again: the rows already written are skipped.";

    readonly ConcurrentDictionary<Guid, ImportJob> jobs = new();
    readonly Lock starting = new();

    public ImportJob? Find(Guid id, string urn, string actor) =>
        jobs.TryGetValue(id, out var job) && job.Urn == urn && job.Actor == actor ? job : null;

    /// <summary>Starts importing the table, or returns the school's import still running (null job then).</summary>
    public (ImportJob? Started, ImportJob? Running) Start(string urn, string actor, ImportKind kind, ImportTable table)
    {
        ImportJob job;
        lock (starting)
        {
            if (jobs.Values.FirstOrDefault(j => j.Urn == urn && j.State == ImportJobState.Running) is { } running)
            {
                return (null, running);
            }
            job = new ImportJob(Guid.CreateVersion7(), urn, actor, kind, table.FileName, table.Sha256);
            jobs[job.Id] = job;
        }
        _ = Task.Run(() => RunAsync(job, table, lifetime.ApplicationStopping));
        return (job, null);
    }

    async Task RunAsync(ImportJob job, ImportTable table, CancellationToken ct)
    {
        try
        {
            var import = ActivatorUtilities.CreateInstance<SchoolImport>(services);
            // Planned again: the school may have changed since the preview.
            var plan = await import.PlanAsync(job.Kind, job.Urn, table, ct);
            job.Total = plan.Preview.ToWrite;
            if (!plan.Preview.CanImport)
            {
                job.Message = "The school's records changed since the preview, and some rows now have errors. Nothing was written: upload the file again to see them.";
                job.State = ImportJobState.Failed;
                return;
            }
            job.Outcome = await import.WriteAsync(plan, key, (done, total) => (job.Done, job.Total) = (done, total), ct);
            job.State = ImportJobState.Done;
        }
        catch (ImportRowRefusedException e)
        {
            job.Message = e.Message;
            job.State = ImportJobState.Failed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed(logger, e, job.Urn, job.Sha256);
            job.Message = FailedMessage;
            job.State = ImportJobState.Failed;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The import of file {Sha256} at school {Urn} failed.")]
    static partial void LogFailed(ILogger logger, Exception exception, string urn, string sha256);
}
