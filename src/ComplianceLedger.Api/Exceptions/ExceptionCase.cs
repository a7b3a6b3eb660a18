using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

public enum CaseStatus
{
    None,
    Pending,
    Approved,
    Declined,
    Withdrawn,
    Revoked,
    Expired,
}

/// <summary>
/// Who is deciding: their person and current roles, and who the school's current headteachers
/// are (a headteacher's own request goes to the chair of governors).
/// </summary>
public sealed record Decider(Guid PersonId, IReadOnlySet<Role> Roles, IReadOnlySet<Guid> Headteachers)
{
    public string Actor => $"person:{PersonId:D}";
}

/// <summary>
/// One decision flow for both declared relationships and exception requests. Why one state
/// machine over two stream types rather than two flows: the steps, the segregation of duties and
/// the maximum duration are the same, so they are decided once; the streams stay apart because a
/// relationship is a standing fact (reviewed, and "still declared" after a revocation) while a
/// request simply lapses (extended, not reviewed). <see cref="IsDeclaration"/> says which.
/// </summary>
public sealed record ExceptionCase(
    Guid Id, bool IsDeclaration, Guid Holder, string Kind, bool RiskAssessed, CaseStatus Status, bool DslConsulted,
    DateOnly? Until, DateOnly? ExtensionRequestedUntil)
{
    public static string DeclarationStreamId(Guid id) => $"declaration-{id:D}";

    public static string RequestStreamId(Guid id) => $"exception-{id:D}";

    static readonly ExceptionCase Initial = new(Guid.Empty, false, Guid.Empty, "", false, CaseStatus.None, false, null, null);

    public static readonly StreamDefinition<ExceptionCase> Declarations = new("declaration", Initial, Evolve);

    public static readonly StreamDefinition<ExceptionCase> Requests = new("exception", Initial, Evolve);

    public static ExceptionCase Evolve(ExceptionCase state, object @event) => @event switch
    {
        RelationshipDeclared e => new ExceptionCase(e.DeclarationId, true, e.PersonId, Name(e.Kind), false, CaseStatus.Pending, false, null, null),
        ExceptionRequested e => new ExceptionCase(e.ExceptionId, false, e.PersonId, Name(e.Kind), e.RiskAssessmentReference is not null,
            CaseStatus.Pending, false, null, null),
        DslAdviceRecorded => state with { DslConsulted = true },
        ExceptionApproved e => state with { Status = CaseStatus.Approved, Until = e.Until, RiskAssessed = state.RiskAssessed || e.RiskAssessmentReference is not null },
        ExceptionDeclined => state with { Status = CaseStatus.Declined },
        ExceptionWithdrawn => state with { Status = CaseStatus.Withdrawn, ExtensionRequestedUntil = null },
        ExceptionReviewed e => state with { Until = e.NextReviewOn },
        ExceptionRevoked => state with { Status = CaseStatus.Revoked, ExtensionRequestedUntil = null },
        ExceptionExpired => state with { Status = CaseStatus.Expired, ExtensionRequestedUntil = null },
        ExtensionRequested e => state with { ExtensionRequestedUntil = e.Until },
        ExtensionApproved e => state with { Until = e.Until, ExtensionRequestedUntil = null },
        ExtensionDeclined => state with { ExtensionRequestedUntil = null },
        _ => state,
    };

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value, EventTypes.Json).Trim('"');

    public string What => IsDeclaration ? "declared relationship" : "exception request";

    public ExceptionCase MustExist()
    {
        return Status == CaseStatus.None ? throw CommandRefusedException.NotFound("No such declaration or exception request at this school.") : this;
    }

    /// <summary>
    /// Segregation of duties: nobody decides their own request; a headteacher's own request is
    /// decided by the chair of governors, everyone else's by the headteacher. Returns the
    /// capacity the decider acts in.
    /// </summary>
    public Role DecidingAs(Decider decider)
    {
        MustExist();
        if (decider.PersonId == Holder)
        {
            throw CommandRefusedException.Forbidden($"Nobody decides their own request: this {What} is yours.");
        }
        if (decider.Headteachers.Contains(Holder))
        {
            return decider.Roles.Contains(Role.ChairOfGovernors)
                ? Role.ChairOfGovernors
                : throw CommandRefusedException.Forbidden("This is the headteacher's own request: the chair of governors decides it.");
        }
        return decider.Roles.Contains(Role.Headteacher)
            ? Role.Headteacher
            : throw CommandRefusedException.Forbidden("The chair of governors decides only the headteacher's own requests; the headteacher decides this one.");
    }

    /// <summary>Only the person who declared or requested it may act on it as its holder.</summary>
    public void MustBeHolder(Guid personId, string action)
    {
        MustExist();
        if (personId != Holder)
        {
            throw CommandRefusedException.Forbidden($"Only the person who made this {What} can {action}.");
        }
    }

    public void MustBe(CaseStatus status, string action)
    {
        if (Status != status)
        {
            throw CommandRefusedException.Conflict($"This {What} is {Status.ToString().ToLowerInvariant()}; it must be {status.ToString().ToLowerInvariant()} to {action}.");
        }
    }

    /// <summary>
    /// Pending, or (for a relationship) revoked or expired: the relationship is still declared, so
    /// it may be decided afresh rather than declared again.
    /// </summary>
    public bool AwaitsDecision => Status == CaseStatus.Pending || (IsDeclaration && Status is CaseStatus.Revoked or CaseStatus.Expired);

    public void MustAwaitDecision(string action)
    {
        if (!AwaitsDecision)
        {
            throw CommandRefusedException.Conflict($"This {What} is {Status.ToString().ToLowerInvariant()}, not awaiting a decision; cannot {action}.");
        }
    }

    /// <summary>No decision on a declared relationship without the DSL's recorded advice.</summary>
    public void MustHaveDslAdvice()
    {
        if (IsDeclaration && !DslConsulted)
        {
            throw CommandRefusedException.Conflict("No decision without a recorded DSL consultation: the DSL must record their advice first.");
        }
    }

    /// <summary>
    /// An approval, review or extension runs to a date after today and at most the policy's
    /// maximum exception duration from the day it is decided.
    /// </summary>
    public static void CheckUntil(DateOnly until, DateOnly today, int? maxExceptionDays, string field)
    {
        if (maxExceptionDays is not { } max)
        {
            throw CommandRefusedException.Conflict(
                "There is no current social media policy, so no maximum exception duration: publish the policy before deciding exceptions.");
        }
        if (until <= today)
        {
            throw CommandRefusedException.Invalid($"{field} must be after today.");
        }
        var latest = today.AddDays(max);
        if (until > latest)
        {
            throw CommandRefusedException.Invalid(
                $"{field} may be at most {max} days ahead, the social media policy's maximum exception duration: {latest:yyyy-MM-dd} at the latest.");
        }
    }

    /// <summary>Free text for an event: required, trimmed, at most <paramref name="max"/> characters.</summary>
    public static string Text(string? value, string field, int max = 2000) =>
        string.IsNullOrWhiteSpace(value) || value.Length > max
            ? throw CommandRefusedException.Invalid($"{field} is required (up to {max} characters).")
            : value.Trim();

    /// <summary>The stream an item id names: a declared relationship or an exception request (ids are unique across both).</summary>
    public static async Task<(string StreamId, StreamDefinition<ExceptionCase> Definition, ExceptionCase State)> FindAsync(
        LedgerStore store, string tenant, Guid id, CancellationToken ct)
    {
        var (streamId, definition) = await store.GetStreamVersionAsync(tenant, DeclarationStreamId(id), ct) is not null
            ? (DeclarationStreamId(id), Declarations)
            : (RequestStreamId(id), Requests);
        var (state, _) = await StreamHandler.LoadAsync(store, tenant, streamId, definition, ct);
        return (streamId, definition, state.MustExist());
    }

    /// <summary>The item id in a stream id (<c>declaration-{id}</c> or <c>exception-{id}</c>).</summary>
    public static Guid IdOf(string streamId) => Guid.Parse(streamId.AsSpan(streamId.IndexOf('-', StringComparison.Ordinal) + 1));

    /// <summary>The maximum exception duration set by the current social media policy, if there is one.</summary>
    public static async Task<int?> MaxExceptionDaysAsync(LedgerStore store, string tenant, CancellationToken ct)
    {
        var (policy, _) = await StreamHandler.LoadAsync(store, tenant, Policies.Policy.StreamId("social-media"), Policies.Policy.Stream, ct);
        return policy.Current?.MaxExceptionDays;
    }

    /// <summary>The school's current headteachers, read from the people the ledger knows today.</summary>
    public static async Task<IReadOnlySet<Guid>> HeadteachersAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(HeadteachersSql);
        return await HeadteachersAsync(command, tenant, null, ct);
    }

    /// <summary>The school's headteachers on the scope's day, in its read models (live or "as of").</summary>
    public static async Task<IReadOnlySet<Guid>> HeadteachersAsync(AsOf.ReadScope scope, string tenant, CancellationToken ct)
    {
        await using var command = scope.Command(HeadteachersSql);
        return await HeadteachersAsync(command, tenant, scope.On, ct);
    }

    /// <summary>Without a day, the school's today.</summary>
    const string HeadteachersSql = $"""
        SELECT person_id FROM rm.people
         WHERE tenant = $1 AND 'headteacher' = ANY(roles) AND (left_on IS NULL OR left_on > COALESCE($2, {SchoolDay.TodaySql}))
        """;

    static async Task<IReadOnlySet<Guid>> HeadteachersAsync(NpgsqlCommand command, string tenant, DateOnly? on, CancellationToken ct)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)on ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        var heads = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            heads.Add(reader.GetGuid(0));
        }
        return heads;
    }

    /// <summary>The signed-in decider, with the school's headteachers.</summary>
    public static async Task<Decider> DeciderAsync(Schools.SchoolMember member, NpgsqlDataSource dataSource, CancellationToken ct) =>
        new(member.PersonId, member.Roles, await HeadteachersAsync(dataSource, member.Urn, ct));
}
