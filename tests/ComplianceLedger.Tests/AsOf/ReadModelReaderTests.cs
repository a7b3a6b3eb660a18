using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.AsOf;

/// <summary>The replay's guarantees, checked on the reader itself against real PostgreSQL.</summary>
public sealed class ReadModelReaderTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    /// <summary>A reader on a one-connection pool, so every scope and the next transaction share one physical connection.</summary>
    ReadModelReader Reader(NpgsqlDataSource dataSource, long maxEvents = 50_000) => new(
        dataSource, app.Services.GetServices<IProjection>(), TimeProvider.System,
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ledger:AsOf:MaxEvents"] = $"{maxEvents}" }).Build());

    NpgsqlDataSource OneConnection() => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(app.AppConnectionString) { MaxPoolSize = 1 }.ConnectionString);

    [Fact]
    public async Task A_statement_that_misses_the_redirect_fails_instead_of_writing_live_rows()
    {
        var school = await app.SchoolAsync("820001", Role.Headteacher);
        await using var dataSource = OneConnection();
        using var reader = Reader(dataSource);
        await using var scope = await reader.OpenAsync(school.Urn, "1", CancellationToken.None);

        // Quoting the schema slips past the rm. rewrite, as a hand-built statement might.
        await using var escaped = scope.Command("""DELETE FROM "rm".schools WHERE tenant = $1""");
        escaped.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school.Urn });
        var refused = await Assert.ThrowsAsync<PostgresException>(() => escaped.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
    }

    [Fact]
    public async Task The_replay_answers_from_temporary_tables_and_leaves_no_redirect_on_the_pooled_connection()
    {
        var school = await app.SchoolAsync("820002", Role.Headteacher, Role.Teacher);
        await using var dataSource = OneConnection();
        using var reader = Reader(dataSource);
        await using (var scope = await reader.OpenAsync(school.Urn, "1", CancellationToken.None))
        {
            // Position 1 registered the school; nobody was enrolled yet.
            await using var people = scope.Command("SELECT count(*) FROM rm.people WHERE tenant = $1");
            people.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school.Urn });
            Assert.Equal(0L, await people.ExecuteScalarAsync());
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.Equal(ProjectionTarget.LiveSchema, ProjectionTarget.SchemaOf(transaction));
        await using var live = new NpgsqlCommand("SELECT count(*) FROM rm.people WHERE tenant = $1", connection, transaction);
        live.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school.Urn });
        Assert.Equal(2L, await live.ExecuteScalarAsync());
        await using var temporary = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relpersistence = 't'", connection, transaction);
        Assert.Equal(0L, await temporary.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_history_longer_than_the_replay_limit_is_refused_before_any_work()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await using var dataSource = OneConnection();
        using var reader = Reader(dataSource, maxEvents: 3);
        await using (var allowed = await reader.OpenAsync(arranged.School.Urn, "3", CancellationToken.None))
        {
            Assert.Equal(3, allowed.AsOf.Position);
        }
        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => reader.OpenAsync(arranged.School.Urn, "4", CancellationToken.None));
        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status422UnprocessableEntity, refused.Status);
    }

    [Fact]
    public async Task A_live_read_says_how_far_a_lagging_async_projection_has_got()
    {
        var school = await app.SchoolAsync("820003", Role.Headteacher);
        await using var dataSource = OneConnection();
        await using (var caughtUp = await ReadModelReader.OpenLiveAsync(dataSource, school.Urn, new DateOnly(2026, 9, 1), CancellationToken.None))
        {
            Assert.Equal(2, caughtUp.AsOf.Position);
            Assert.Null(caughtUp.AsOf.AsyncPosition);
            Assert.Equal(new DateOnly(2026, 9, 1), caughtUp.AsOf.Day);
        }
        // A projection that has never run for the school has applied nothing of it.
        await using var lagging = await ReadModelReader.OpenLiveAsync(dataSource, school.Urn, new DateOnly(2026, 9, 1), CancellationToken.None, ["never-run"]);
        Assert.Equal(0, lagging.AsOf.AsyncPosition);
    }
}
