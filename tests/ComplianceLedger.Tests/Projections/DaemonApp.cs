using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Projections.Daemon;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Projections;

/// <summary>
/// The app with two test projections added: an inline one that holds an append's transaction
/// open and/or rolls it back on request, and an async one that fails on a "poison" event until fixed.
/// </summary>
public sealed class DaemonApp : LedgerApp
{
    public SlowOrFailingAppends Appends { get; } = new();

    public PoisonSensitiveProjection Poison { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder web) =>
        web.ConfigureServices(services =>
        {
            services.AddSingleton<IProjection>(Appends);
            services.AddSingleton<IProjection>(Poison);
        });

    public LedgerStore LedgerStore => Services.GetRequiredService<LedgerStore>();

    public ProjectionDaemon Daemon => Services.GetRequiredService<ProjectionDaemon>();

    public string[] AsyncProjections =>
        [.. Services.GetServices<IProjection>().Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name)];

    /// <summary>An acknowledgement of the test policy by a person of the school, as the app would append it.</summary>
    public Task<AppendResult> AcknowledgeAsync(string urn, Guid personId, CancellationToken ct = default) =>
        LedgerStore.AppendAsync(new AppendRequest(urn, $"acknowledgements-{personId:D}", "acknowledgements", ExpectedVersion.Any,
            [EventTypes.ToNewEvent(new PolicyAcknowledged("social-media", "1", UseCases.PeopleAndPolicyContractTests.Sha, personId,
                AcknowledgementMethod.InApp, DateTimeOffset.UtcNow, null))],
            new EventMetadata($"person:{personId:D}")), ct);

    /// <summary>Per async projection: total events taken in, and whether every tenant is at its chain head.</summary>
    public async Task<Dictionary<string, (long Processed, bool AtHead)>> ProgressAsync()
    {
        await using var command = AdminDataSource.CreateCommand("""
            SELECT pr.projection, COALESCE(sum(p.processed), 0)::bigint,
                   bool_and(COALESCE(p.position, 0) = h.position)
              FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
             GROUP BY pr.projection
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = AsyncProjections });
        var progress = new Dictionary<string, (long, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            progress[reader.GetString(0)] = (reader.GetInt64(1), reader.GetBoolean(2));
        }
        return progress;
    }

    /// <summary>A table's rows as text, in a stable order, for comparing read models.</summary>
    public async Task<List<string>> RowsAsync(string table, string orderBy)
    {
        await using var command = AdminDataSource.CreateCommand($"SELECT t::text FROM (SELECT * FROM {table}) t ORDER BY {orderBy}");
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}

/// <summary>
/// What the next append on this async flow should suffer: held open, then committed or rolled
/// back. <paramref name="Holding"/> is completed once the events are written and the hold begins.
/// </summary>
public sealed record AppendPlan(TimeSpan HoldOpen, bool RollBack, TaskCompletionSource? Holding = null);

/// <summary>Inline, last: runs inside the append transaction after the events are written.</summary>
public sealed class SlowOrFailingAppends : IProjection
{
    public static readonly AsyncLocal<AppendPlan?> Plan = new();

    public string Name => "test-slow-or-failing-appends";

    public ProjectionMode Mode => ProjectionMode.Inline;

    public bool Projects(string eventType) => true;

    public IReadOnlyList<ProjectionTable> Tables => [];

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        if (Plan.Value is not { } plan)
        {
            return;
        }
        // The other inline projections' rows are sent first, so their row locks are held through the hold too.
        await ReplayBatch.FlushAsync(connection, transaction, ct);
        plan.Holding?.TrySetResult();
        await Task.Delay(plan.HoldOpen, ct);
        if (plan.RollBack)
        {
            throw new RolledBackOnPurposeException();
        }
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) => Task.CompletedTask;
}

public sealed class RolledBackOnPurposeException() : Exception("rolled back on purpose");

/// <summary>Async: counts the events it is given per tenant, and fails on <c>test.poison.v1</c> until <see cref="Fixed"/>.</summary>
public sealed class PoisonSensitiveProjection : IProjection
{
    volatile bool isFixed;

    public bool Fixed { get => isFixed; set => isFixed = value; }

    public string Name => "test-poison-sensitive";

    public ProjectionMode Mode => ProjectionMode.Async;

    public bool Projects(string eventType) => eventType == "test.poison.v1";

    public IReadOnlyList<ProjectionTable> Tables => [];

    public Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct) =>
        Fixed ? Task.CompletedTask : throw new FormatException("cannot read this event (a bug fixed in the next release)");

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) => Task.CompletedTask;
}
