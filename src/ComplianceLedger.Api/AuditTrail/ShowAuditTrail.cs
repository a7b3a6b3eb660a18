using System.ComponentModel;
using System.Text.Json;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.AuditTrail;

/// <summary>
/// <c>GET /api/schools/{urn}/audit-trail</c>: the school's events as readable lines, newest
/// first, filtered by event type prefix, actor and recorded date range; paged by <c>before</c>
/// (a chain position). Each line's position is its proof in the ledger.
/// </summary>
/// <remarks>
/// Lines are stored with people, accounts and policies as tokens (<see cref="AuditLines"/>) and
/// named here: every reader of the trail may see the school's names, which are opened from the
/// people facts with each person's key, and read "erased" once that key is shredded.
/// </remarks>
public static class ShowAuditTrail
{
    /// <param name="Actor">Who recorded it, by name ("erased" once shredded), or the part of the system that did.</param>
    /// <param name="ActorPersonId">The person who recorded it, when a person did: the <c>actor</c> filter takes it.</param>
    /// <param name="LateDueBy">For an acknowledgement made after its deadline: the last day it was due (it counts, marked late).</param>
    public sealed record AuditLine(
        long Position, DateTimeOffset RecordedAt, string Actor, Guid? ActorPersonId, string EventType, string StreamId, string Line,
        DateOnly? LateDueBy = null);

    public sealed record AuditTrailPage(LedgerPoint AsOf, IReadOnlyList<AuditLine> Lines, long? NextBefore);

    public static RouteGroupBuilder MapAuditTrail(this RouteGroupBuilder school)
    {
        school.MapGet("/audit-trail", Handle).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders().WithAsOf();
        return school;
    }

    public static async Task<Results<Ok<AuditTrailPage>, ProblemHttpResult>> Handle(
        string urn, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        string? type = null, string? actor = null, DateOnly? from = null, DateOnly? to = null, long? before = null, int limit = 100,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        if (limit is < 1 or > 1000 || before is < 1 || (from is not null && to is not null && from > to))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid audit trail filter",
                detail: "limit must be 1–1000, before a positive chain position, and from no later than to.");
        }
        // A person's id, as the lines give it, or the ledger's own reference (person:<id>, system:seed-demo).
        if (actor is not null && Guid.TryParse(actor, out var actorId))
        {
            actor = $"person:{actorId:D}";
        }
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var lines = await LinesAsync(scope, vault, urn, ct, type, actor, from, to, before, limit);
        return TypedResults.Ok(new AuditTrailPage(scope.AsOf, lines, lines.Count == limit ? lines[^1].Position : null));
    }

    /// <summary>
    /// The trail's lines in <paramref name="scope"/>, newest first, filtered as <see cref="Handle"/> filters; <paramref name="start"/>
    /// (inclusive) and <paramref name="end"/> (exclusive) bound recorded_at as instants, e.g. a period's school days (the evidence pack).
    /// </summary>
    public static async Task<List<AuditLine>> LinesAsync(
        ReadScope scope, PersonalDataVault vault, string urn, CancellationToken ct,
        string? type = null, string? actor = null, DateOnly? from = null, DateOnly? to = null, long? before = null, int limit = 100,
        DateTimeOffset? start = null, DateTimeOffset? end = null)
    {
        await using var command = scope.Command("""
            SELECT a.position, a.recorded_at, a.actor, a.event_type, a.stream_id, a.line,
                   -- An acknowledgement's own record: whether it was late is judged from it and the facts.
                   CASE WHEN a.event_type = 'policy.acknowledged.v1' THEN
                       (SELECT e.data::text FROM ledger.events e WHERE e.tenant = a.tenant AND e.chain_position = a.position)
                   END
              FROM rm.audit_trail a
             WHERE a.tenant = $1 AND ($2::text IS NULL OR starts_with(a.event_type, $2)) AND ($3::text IS NULL OR a.actor = $3)
               AND ($4::date IS NULL OR a.recorded_at >= $4::date) AND ($5::date IS NULL OR a.recorded_at < $5::date + 1)
               AND ($6::bigint IS NULL OR a.position < $6)
               AND ($8::timestamptz IS NULL OR a.recorded_at >= $8) AND ($9::timestamptz IS NULL OR a.recorded_at < $9)
             ORDER BY a.position DESC LIMIT $7
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(Nullable(type, NpgsqlTypes.NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(actor, NpgsqlTypes.NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(from, NpgsqlTypes.NpgsqlDbType.Date));
        command.Parameters.Add(Nullable(to, NpgsqlTypes.NpgsqlDbType.Date));
        command.Parameters.Add(Nullable(before, NpgsqlTypes.NpgsqlDbType.Bigint));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(Nullable(start, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Nullable(end, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        var rows = new List<(long Position, DateTimeOffset RecordedAt, string Actor, string EventType, string StreamId, string Line)>();
        var acknowledgements = new List<(long Position, string Data)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5)));
                if (!reader.IsDBNull(6))
                {
                    acknowledgements.Add((reader.GetInt64(0), reader.GetString(6)));
                }
            }
        }
        var late = await LateAcknowledgementsAsync(scope, urn, acknowledgements, ct);
        var names = await NamesAsync(scope, vault, urn, rows.SelectMany(r => new[] { r.Line, AuditLines.Actor(r.Actor) }), ct);
        return [.. rows.Select(r => new AuditLine(r.Position, r.RecordedAt, names.Render(AuditLines.Actor(r.Actor)),
            r.Actor.StartsWith("person:", StringComparison.Ordinal) && Guid.TryParse(r.Actor.AsSpan(7), out var id) ? id : null,
            r.EventType, r.StreamId, names.Render(r.Line) + (late.TryGetValue(r.Position, out var due) ? $", late: it was due by {due:d MMMM yyyy}" : ""),
            late.TryGetValue(r.Position, out var dueBy) ? dueBy : null))];
    }

    /// <summary>
    /// Which of the page's acknowledgements came after their deadline, and that deadline: judged as
    /// the rule judges it (the last allowed day as it stood on the day of acknowledging), from the
    /// event and the person's and version's facts, so it holds whatever has happened since.
    /// </summary>
    static async Task<Dictionary<long, DateOnly>> LateAcknowledgementsAsync(
        ReadScope scope, string urn, List<(long Position, string Data)> acknowledgements, CancellationToken ct)
    {
        var late = new Dictionary<long, DateOnly>();
        if (acknowledgements.Count == 0)
        {
            return late;
        }
        var acknowledged = acknowledgements.Select(a =>
        {
            using var data = JsonDocument.Parse(a.Data);
            var root = data.RootElement;
            return (a.Position, Person: root.GetProperty("personId").GetGuid(), Policy: root.GetProperty("policyId").GetString()!,
                Label: root.GetProperty("versionLabel").GetString()!, Day: SchoolDay.Of(root.GetProperty("acknowledgedAt").GetDateTimeOffset()));
        }).ToList();
        var people = (await scope.FactsAsync((c, tx) => FactsQueries.PeopleAsync(c, tx, urn, null, ct))).ToDictionary(p => p.PersonId);
        var versions = new Dictionary<(string, string), PolicyVersionFacts>();
        foreach (var policy in acknowledged.Select(a => a.Policy).Distinct(StringComparer.Ordinal))
        {
            foreach (var version in await scope.FactsAsync((c, tx) => FactsQueries.VersionsAsync(c, tx, urn, policy, ct)))
            {
                versions[(version.PolicyId, version.VersionLabel)] = version;
            }
        }
        foreach (var a in acknowledged)
        {
            if (people.TryGetValue(a.Person, out var person) && versions.TryGetValue((a.Policy, a.Label), out var version)
                && AcknowledgementCoverage.DueOn(person, version, a.Day) is { } due && a.Day > due)
            {
                late[a.Position] = due;
            }
        }
        return late;
    }

    /// <summary>What the tokens of a page's lines stand for, as the read models say (live or "as of").</summary>
    sealed class Names
    {
        public Dictionary<Guid, string> People { get; } = [];
        public Dictionary<Guid, string> Accounts { get; } = [];
        public Dictionary<string, string> Policies { get; } = new(StringComparer.Ordinal);

        public string Render(string line) => AuditLines.Tokens.Replace(line, m => m.Groups[1].Value switch
        {
            "person" => Guid.TryParse(m.Groups[2].Value, out var p) && People.TryGetValue(p, out var name) ? name : "a person not on the school's register",
            "account" => Guid.TryParse(m.Groups[2].Value, out var a) && Accounts.TryGetValue(a, out var account) ? account : "an official account",
            _ => Policies.TryGetValue(m.Groups[2].Value, out var title) ? title : m.Groups[2].Value,
        });
    }

    /// <summary>Shown for a person whose key was shredded: their name is gone for good.</summary>
    public const string Erased = "(erased)";

    static async Task<Names> NamesAsync(ReadScope scope, PersonalDataVault vault, string urn, IEnumerable<string> lines, CancellationToken ct)
    {
        var (people, accounts, policies) = (new HashSet<Guid>(), new HashSet<Guid>(), new HashSet<string>(StringComparer.Ordinal));
        foreach (var line in lines)
        {
            foreach (System.Text.RegularExpressions.Match m in AuditLines.Tokens.Matches(line))
            {
                var value = m.Groups[2].Value;
                _ = m.Groups[1].Value switch
                {
                    "person" => Guid.TryParse(value, out var p) && people.Add(p),
                    "account" => Guid.TryParse(value, out var a) && accounts.Add(a),
                    _ => policies.Add(value),
                };
            }
        }
        var names = new Names();
        if (people.Count + accounts.Count + policies.Count == 0)
        {
            return names;
        }
        var sealedNames = new Dictionary<Guid, string>();
        await using (var batch = scope.Batch(
            Command("SELECT person_id, sealed_name FROM rm.people WHERE tenant = $1 AND person_id = ANY($2)", urn, people.ToArray()),
            Command("SELECT account_id, platform, handle FROM rm.official_accounts WHERE tenant = $1 AND account_id = ANY($2)", urn, accounts.ToArray()),
            Command("""
                SELECT DISTINCT ON (policy_id) policy_id, title FROM rm.policy_versions WHERE tenant = $1 AND policy_id = ANY($2)
                 ORDER BY policy_id, is_current DESC, effective_from DESC
                """, urn, policies.ToArray())))
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                sealedNames[reader.GetGuid(0)] = reader.GetString(1);
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names.Accounts[reader.GetGuid(0)] = $"the {AuditLines.PlatformName(reader.GetString(1))} account {reader.GetString(2)}";
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names.Policies[reader.GetString(0)] = reader.GetString(1);
            }
        }
        var opened = await vault.OpenAsync(urn, sealedNames.Values, ct);
        // An erased name says whether retention erased it ("erased under retention").
        var erased = await Retention.ErasedWords.ForAsync(vault, urn, opened.Where(o => o.Value is null).Select(o => o.Key), ct);
        foreach (var (person, sealedName) in sealedNames)
        {
            names.People[person] = opened[sealedName] ?? erased[sealedName];
        }
        return names;
    }

    static NpgsqlBatchCommand Command<T>(string sql, string urn, T[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values });
        return command;
    }

    static NpgsqlParameter Nullable(object? value, NpgsqlTypes.NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
