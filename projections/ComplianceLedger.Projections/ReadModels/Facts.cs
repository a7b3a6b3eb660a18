namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// A person as the ledger knows them. Roles are the ledger's kebab-case names. <see cref="Roles"/>,
/// <see cref="LeaveFrom"/> and <see cref="ReturnedOn"/> are the latest recorded; the dated facts
/// (<see cref="RoleHistory"/>, <see cref="Leaves"/>) say what held on a given day, since a change
/// takes effect on its date, not when it is recorded.
/// </summary>
public sealed record PersonFacts(
    Guid PersonId, IReadOnlyList<string> Roles, DateOnly StartedOn, DateOnly? LeftOn, DateOnly? LeaveFrom, DateOnly? ReturnedOn,
    long LastPosition)
{
    /// <summary>Each set of roles and the day it holds from, in date order; empty means <see cref="Roles"/> from the start.</summary>
    public IReadOnlyList<RoleSpell> RoleHistory { get; init; } = [];

    /// <summary>Every long-term leave, in date order; empty means the latest recorded one (<see cref="LeaveFrom"/>, <see cref="ReturnedOn"/>).</summary>
    public IReadOnlyList<LeaveSpell> Leaves { get; init; } = [];

    public bool HasLeft(DateOnly day) => LeftOn is { } left && left <= day;

    public bool HasStarted(DateOnly day) => StartedOn <= day;

    public bool IsOnLeave(DateOnly day) => LeaveOn(day) is not null;

    /// <summary>The leave the person is away on that day (from its first day to the day before return), if any.</summary>
    public LeaveSpell? LeaveOn(DateOnly day) => LeaveSpells.LastOrDefault(l => l.From <= day && (l.Until is not { } until || until > day));

    /// <summary>The latest return from leave on or before that day.</summary>
    public DateOnly? LastReturnBy(DateOnly day) => LeaveSpells.Select(l => l.Until).Where(u => u <= day).Max();

    /// <summary>The roles held that day: the latest change effective by then (before the start, the roles they start with).</summary>
    public IReadOnlyList<string> RolesOn(DateOnly day)
    {
        var spells = RoleSpells;
        return spells.LastOrDefault(s => s.From <= day)?.Roles ?? spells[0].Roles;
    }

    /// <summary>
    /// Since when, up to that day, the person has without a break held one of <paramref name="roles"/>:
    /// the day they took on a role that must acknowledge. Null if they hold none that day.
    /// </summary>
    public DateOnly? HoldingOneOfSince(IReadOnlyCollection<string> roles, DateOnly day)
    {
        DateOnly? since = null;
        foreach (var spell in RoleSpells.Where(s => s.From <= day))
        {
            since = spell.Roles.Any(roles.Contains) ? since ?? spell.From : null;
        }
        return since;
    }

    IReadOnlyList<RoleSpell> RoleSpells => RoleHistory.Count > 0 ? RoleHistory : [new RoleSpell(StartedOn, Roles)];

    IReadOnlyList<LeaveSpell> LeaveSpells => Leaves.Count > 0 ? Leaves
        : LeaveFrom is { } from ? [new LeaveSpell(from, null)]
        : ReturnedOn is { } back ? [new LeaveSpell(DateOnly.MinValue, back)]
        : [];
}

/// <summary>A set of roles, held from a day until the next change.</summary>
public sealed record RoleSpell(DateOnly From, IReadOnlyList<string> Roles);

/// <summary>Long-term leave: away from <see cref="From"/>, back on <see cref="Until"/> (null: no return recorded).</summary>
public sealed record LeaveSpell(DateOnly From, DateOnly? Until);

public sealed record PolicyVersionFacts(
    string PolicyId, string VersionLabel, string Title, string DocumentSha256, DateOnly EffectiveFrom, int ReviewCycleYears,
    DateOnly NextReviewDue, DateOnly? RatifiedOn, string? RatifiedBy, IReadOnlyList<string> Audiences, int DaysToAcknowledge,
    int MaxExceptionDays, bool IsCurrent, DateOnly? RetiredOn, IReadOnlyList<long> Positions);

public sealed record AcknowledgementFacts(Guid PersonId, string PolicyId, string VersionLabel, bool Declined, DateTimeOffset At, long Position);
