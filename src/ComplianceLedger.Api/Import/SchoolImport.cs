using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Api.Import;

/// <summary>What a file holds: the staff list, past paper acknowledgements, or one of the two registers.</summary>
public enum ImportKind
{
    Staff,
    Acknowledgements,
    Declarations,
    Accounts,
}

public enum RowOutcomeKind
{
    /// <summary>The row will be (or was) written.</summary>
    Writes,

    /// <summary>The ledger already holds what the row says: nothing is written for it.</summary>
    Skipped,

    Error,
}

/// <summary>One row's outcome in the school's words, numbered as the spreadsheet numbers it.</summary>
public sealed record RowOutcome(int Row, RowOutcomeKind Kind, string Text, string? Column = null)
{
    public override string ToString() => Kind switch
    {
        RowOutcomeKind.Error when Column is { Length: > 0 } column => $"error: row {Row}, column {column}: {Text}",
        RowOutcomeKind.Error => $"error: row {Row}: {Text}",
        _ => $"row {Row}: {Text}",
    };
}

/// <summary>Each row's outcome before anything is written; with any error, nothing will be.</summary>
public sealed record ImportPreview(ImportKind Kind, string Tenant, ImportTable Table, IReadOnlyList<RowOutcome> Rows)
{
    public int Errors => Rows.Count(r => r.Kind == RowOutcomeKind.Error);
    public int ToWrite => Rows.Count(r => r.Kind == RowOutcomeKind.Writes);
    public int Skipped => Rows.Count(r => r.Kind == RowOutcomeKind.Skipped);
    public bool CanImport => Errors == 0;

    /// <summary>The correlation id of every event the file imports: its SHA-256, hashed into the chain with each.</summary>
    public string CorrelationId => SchoolImport.CorrelationIdOf(Table.Sha256);
}

/// <summary>What an import wrote: the rows and events, and the tree head signed after them (null when nothing was written or no key was given).</summary>
public sealed record ImportOutcome(ImportPreview Preview, int RowsWritten, int EventsWritten, Checkpoint? Checkpoint)
{
    /// <summary>Imported people whose obligations are current, asked to acknowledge as an enrolment asks them (the rest are history).</summary>
    public int NewStartersAsked { get; init; }

    /// <summary>Imported people whose obligations are current, asked or not (<see cref="SchoolImport.SchedulesReminders"/>).</summary>
    public int NewStarters { get; init; }

    public bool Written => Preview.CanImport;
}

/// <summary>A file checked against the school: the preview, and each row's write.</summary>
public sealed class ImportPlan
{
    internal ImportPlan(ImportPreview preview, IReadOnlyList<PlannedRow> rows) => (Preview, Rows) = (preview, rows);

    public ImportPreview Preview { get; }

    internal IReadOnlyList<PlannedRow> Rows { get; }
}

/// <summary>A decision refused a row while writing (the school changed since the preview); the rows written stay written.</summary>
public sealed class ImportRowRefusedException(int row, int written, string reason)
    : Exception($"row {row} was refused when written: {reason}. {written} other rows are written; import the same file again to carry on (they are skipped).")
{
    public int Row { get; } = row;
    public int Written { get; } = written;
}

/// <summary>A row checked: its outcome, and the write that carries it out through the use case's decision.</summary>
/// <remarks><see cref="Write"/> seals what the row needs and returns its append, which returns the events written.</remarks>
/// <remarks>A staff row is written with the others in one bulk append instead (<see cref="StaffImport.WriteAsync"/>): <see cref="Staff"/>.</remarks>
internal sealed record PlannedRow(RowOutcome Outcome, Func<CommandContext, CancellationToken, Task<Func<CancellationToken, Task<int>>>>? Write = null)
{
    public StaffRow? Staff { get; init; }

    public bool Writes => Write is not null || Staff is not null;

    public static PlannedRow Error(int row, string text, string? column = null) => new(new RowOutcome(row, RowOutcomeKind.Error, text, column));
    public static PlannedRow Skip(int row, string text) => new(new RowOutcome(row, RowOutcomeKind.Skipped, text));
}

/// <summary>
/// Imports what a school already has (its staff list, past paper acknowledgements, its registers
/// of declared relationships and official accounts) from CSV or XLSX, for the CLI and the office.
/// Every row is checked and decided first (the preview); only a file without errors is written,
/// each row by the same decision as the API's use case, one append per row through
/// <see cref="StreamHandler"/>. Each row's command id is the file's SHA-256 and its row number, so
/// the same file again writes nothing, and every event's correlation id names the file's hash.
/// </summary>
public sealed class SchoolImport(
    LedgerStore store, PersonalDataVault vault, SignIn.SignInEmails emails, NpgsqlDataSource dataSource, TimeProvider time, IEnumerable<IProjection> projections,
    Marten.IDocumentStore marten, Scheduling.ScheduledWork work)
{
    // The app's inline read models, in its order (dependencies first): a bulk append brings them up to date itself.
    readonly IProjection[] inline = [.. projections.Where(p => p.Mode == ProjectionMode.Inline)];

    public const string Actor = "system:ledger-import";

    // Rows written at once: enough to overlap sealing and appends, few enough not to crowd the school's lock.
    const int RowsAtOnce = 4;

    /// <summary>
    /// Whether new starters' reminders are scheduled: they are durable Wolverine messages, which only
    /// a running app (the office page's import) can schedule; the CLI runs none and says so.
    /// </summary>
    public bool SchedulesReminders { get; set; } = true;

    internal LedgerStore Store => store;
    internal PersonalDataVault Vault => vault;
    internal SignIn.SignInEmails Emails => emails;
    internal NpgsqlDataSource DataSource => dataSource;
    internal TimeProvider Time => time;

    /// <summary><c>import:sha256:&lt;64 hex&gt;</c>, within the ledger's correlation id rules.</summary>
    public static string CorrelationIdOf(string sha256) => $"import:sha256:{sha256}";

    /// <summary>The row's command id: the same file's same row is the same command, whenever it is imported.</summary>
    public static string CommandIdOf(ImportKind kind, string sha256, int row, string? step = null) =>
        $"import:{sha256}:{kind.ToString().ToLowerInvariant()}:row-{row}{(step is null ? "" : ":" + step)}";

    /// <summary>Reads the school's state and checks every row: the preview, and what writing it would do. Nothing is written.</summary>
    public async Task<ImportPlan> PlanAsync(ImportKind kind, string tenant, ImportTable table, CancellationToken ct = default)
    {
        var rows = await PlanRowsAsync(kind, tenant, table, ct);
        return new ImportPlan(new ImportPreview(kind, tenant, table, [.. rows.Select(p => p.Outcome)]), rows);
    }

    public async Task<ImportPreview> PreviewAsync(ImportKind kind, string tenant, ImportTable table, CancellationToken ct = default) =>
        (await PlanAsync(kind, tenant, table, ct)).Preview;

    /// <summary>Plans, and writes only when no row has an error; then signs a tree head for the school (when given a key).</summary>
    public async Task<ImportOutcome> ImportAsync(
        ImportKind kind, string tenant, ImportTable table, SigningKey? checkpointKey = null, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        var plan = await PlanAsync(kind, tenant, table, ct);
        return plan.Preview.CanImport ? await WriteAsync(plan, checkpointKey, progress, ct) : new ImportOutcome(plan.Preview, 0, 0, null);
    }

    /// <summary>
    /// Writes a plan without errors, each row its own append through its use case's decision.
    /// Should the school change meanwhile so that a decision refuses a row, the rows written stay
    /// written (<see cref="ImportRowRefusedException"/>): the same file again skips them and carries on.
    /// </summary>
    /// <param name="progress">Called with the rows done and the rows to write.</param>
    public async Task<ImportOutcome> WriteAsync(ImportPlan plan, SigningKey? checkpointKey = null, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var preview = plan.Preview;
        if (!preview.CanImport)
        {
            throw new InvalidOperationException("A plan with errors is not written.");
        }
        if (preview.Kind == ImportKind.Staff)
        {
            var written = plan.Rows.Where(p => p.Writes).ToList();
            if (written.Count == 0)
            {
                return new ImportOutcome(preview, 0, 0, null);
            }
            var (staffRows, staffEvents, people) = await StaffImport.WriteAsync(this, preview, written, progress, ct);
            var signed = await SignAsync(preview, staffEvents, checkpointKey, ct);
            // After the commit: should this fail, the people are enrolled and only these reminders are missing.
            var reminded = await NewStarterReminders.ScheduleAsync(marten, work, dataSource, preview.Tenant, [.. people.Select(p => p.PersonId)], time.GetUtcNow(), SchedulesReminders, ct);
            return new ImportOutcome(preview, staffRows, staffEvents, signed) { NewStarters = reminded, NewStartersAsked = SchedulesReminders ? reminded : 0 };
        }
        var writes = plan.Rows.Where(p => p.Write is not null).ToList();
        var (rows, events) = (0, 0);
        progress?.Invoke(0, writes.Count);
        // Rows are independent (each its own stream), so a few are written at once: sealing needs
        // no lock, and each append holds the school's lock only for its batch and commit. The
        // chain therefore holds them in nearly, not exactly, the file's order.
        var contexts = writes.Select(row => CommandContext.ForOperator(
            preview.Tenant, Actor, time.GetUtcNow(), CommandIdOf(preview.Kind, preview.Table.Sha256, row.Outcome.Row)) with
        {
            CorrelationId = preview.CorrelationId,
            // The plan read which of this file's commands the school holds; the append checks again under the lock.
            Lookup = new CommandContext.CommandLookup(null),
        }).ToList();
        var refused = new System.Collections.Concurrent.ConcurrentBag<(int Row, string Reason)>();
        var done = 0;
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, writes.Count), new ParallelOptions { MaxDegreeOfParallelism = RowsAtOnce, CancellationToken = ct },
                async (i, token) =>
                {
                    try
                    {
                        var append = await writes[i].Write!(contexts[i], token);
                        Interlocked.Add(ref events, await append(token));
                    }
                    catch (CommandRefusedException e)
                    {
                        refused.Add((writes[i].Outcome.Row, e.Message));
                        throw;
                    }
                    var n = Interlocked.Increment(ref done);
                    lock (contexts)
                    {
                        progress?.Invoke(n, writes.Count);
                    }
                });
        }
        catch (CommandRefusedException) when (!refused.IsEmpty)
        {
            var (row, reason) = refused.MinBy(r => r.Row);
            throw new ImportRowRefusedException(row, done, reason);
        }
        rows = done;
        return new ImportOutcome(preview, rows, events, await SignAsync(preview, events, checkpointKey, ct));
    }

    async Task<Checkpoint?> SignAsync(ImportPreview preview, int events, SigningKey? checkpointKey, CancellationToken ct) =>
        events > 0 && checkpointKey is not null
            ? await new CheckpointIssuer(dataSource, checkpointKey, time).IssueAsync(preview.Tenant, ct)
            : null;

    /// <summary>What a row's events carry: the import's actor, the file's correlation id and the row's command id.</summary>
    internal static EventMetadata MetadataOf(ImportPreview preview, int row) =>
        new(Actor, preview.CorrelationId, null, CommandIdOf(preview.Kind, preview.Table.Sha256, row));

    /// <summary>
    /// In a bulk append's transaction: the inline read models take its events as an append's do
    /// (<see cref="LedgerStore"/>), their writes sent a few hundred statements at a time.
    /// </summary>
    internal async Task ProjectInlineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        ReplayBatch.Defer(transaction);
        try
        {
            foreach (var projection in inline)
            {
                var mine = events.Where(e => projection.Projects(e.EventType)).ToList();
                if (mine.Count > 0)
                {
                    await projection.ApplyAsync(connection, transaction, mine, ct);
                }
            }
            await ReplayBatch.FlushAsync(connection, transaction, ct);
        }
        finally
        {
            ReplayBatch.End(transaction);
        }
    }

    async Task<IReadOnlyList<PlannedRow>> PlanRowsAsync(ImportKind kind, string tenant, ImportTable table, CancellationToken ct)
    {
        var (school, _) = await StreamHandler.LoadAsync(store, tenant, School.StreamId, School.Stream, ct);
        if (!school.Registered)
        {
            throw new ImportFileException($"There is no school with URN {tenant} on the ledger.");
        }
        var columns = kind switch
        {
            ImportKind.Staff => StaffImport.Columns,
            ImportKind.Acknowledgements => AcknowledgementImport.Columns,
            ImportKind.Declarations => DeclarationImport.Columns,
            _ => AccountImport.Columns,
        };
        var (found, problems) = ImportColumns.Find(table.Headers, columns);
        if (problems.Count > 0)
        {
            return [.. problems.Select(p => PlannedRow.Error(1, p))];
        }
        var imported = await ImportedCommandsAsync(tenant, CorrelationIdOf(table.Sha256), ct);
        var rows = new ImportRows(this, kind, tenant, table, found, imported, school);
        return kind switch
        {
            ImportKind.Staff => await StaffImport.PlanAsync(rows, ct),
            ImportKind.Acknowledgements => await AcknowledgementImport.PlanAsync(rows, ct),
            ImportKind.Declarations => await DeclarationImport.PlanAsync(rows, ct),
            _ => await AccountImport.PlanAsync(rows, ct),
        };
    }

    /// <summary>The command ids this file already wrote at the school (a second run's rows are "already imported").</summary>
    async Task<HashSet<string>> ImportedCommandsAsync(string tenant, string correlationId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT headers ->> 'commandId' FROM marten.mt_events WHERE tenant_id = $1 AND correlation_id = $2 AND headers ? 'commandId'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = correlationId });
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>The school's current people by the blind index of their sign-in email.</summary>
    internal async Task<Dictionary<string, Guid>> PeopleByEmailIndexAsync(string tenant, bool currentOnly, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.email_index, e.person_id FROM rm.sign_in_emails e
              JOIN rm.people p ON p.tenant = e.tenant AND p.person_id = e.person_id
             WHERE e.tenant = $1 AND (NOT $2 OR p.left_on IS NULL OR p.left_on > {SchoolDay.TodaySql})
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = currentOnly });
        var people = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            people[reader.GetString(0)] = reader.GetGuid(1);
        }
        return people;
    }
}

/// <summary>What each kind's planner works with: the file, its columns, and what this file already imported.</summary>
internal sealed record ImportRows(
    SchoolImport Import, ImportKind Kind, string Tenant, ImportTable Table, ImportColumns Columns, IReadOnlySet<string> Imported, School School)
{
    public bool AlreadyImported(ImportRow row) => Imported.Contains(SchoolImport.CommandIdOf(Kind, Table.Sha256, row.Number));

    /// <summary>Runs one row's checks; a cell's or a decision's refusal becomes the row's error.</summary>
    public static PlannedRow Check(ImportRow row, Func<PlannedRow> check)
    {
        try
        {
            return check();
        }
        catch (RowErrorException e)
        {
            return PlannedRow.Error(row.Number, e.Message, e.Column);
        }
        catch (CommandRefusedException e)
        {
            return PlannedRow.Error(row.Number, e.Message);
        }
    }

    public static async Task<PlannedRow> CheckAsync(ImportRow row, Func<Task<PlannedRow>> check)
    {
        try
        {
            return await check();
        }
        catch (RowErrorException e)
        {
            return PlannedRow.Error(row.Number, e.Message, e.Column);
        }
        catch (CommandRefusedException e)
        {
            return PlannedRow.Error(row.Number, e.Message);
        }
    }

    /// <summary>A use case's own input check, its refusal named by the file's column.</summary>
    public T Field<T>(string column, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (CommandRefusedException e)
        {
            throw new RowErrorException(Columns.Header(column), e.Message);
        }
    }
}
