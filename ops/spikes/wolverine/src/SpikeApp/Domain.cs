using JasperFx.Events;

namespace SpikeApp;

// Stable versioned event names are mapped in Program (MapEventType).
public sealed record ExceptionRequested(string Id, string Holder, string Description);
public sealed record ExceptionApproved(string Id, DateTimeOffset Until, string By);
public sealed record ExceptionExpired(string Id, DateTimeOffset ExpiredAt);

/// <summary>The scheduled message: durable, stored in PostgreSQL, carries the tenant id in its envelope.</summary>
public sealed record ExceptionExpiryDue(string Urn, string ExceptionId);

public enum CaseStatus { Requested, Approved, Expired }

/// <summary>State the decisions need; Marten live-aggregates it (Create/Apply conventions).</summary>
public sealed record ExceptionCase(string Id, string Holder, CaseStatus Status, DateTimeOffset? Until)
{
    public long Version { get; set; }
    public static ExceptionCase Create(ExceptionRequested e) => new(e.Id, e.Holder, CaseStatus.Requested, null);
    public ExceptionCase Apply(ExceptionApproved e) => this with { Status = CaseStatus.Approved, Until = e.Until };
    public ExceptionCase Apply(ExceptionExpired e) => this with { Status = CaseStatus.Expired };
}

/// <summary>A refused decision, answered as an RFC 7807 problem.</summary>
public sealed class CommandRefusedException(int status, string detail) : Exception(detail)
{
    public int Status { get; } = status;
}

/// <summary>Pure decisions: no I/O, no clock of their own.</summary>
public static class Decisions
{
    public sealed record Approve(string ExceptionId, DateTimeOffset Until, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Approve c, ExceptionCase state)
    {
        if (state.Status != CaseStatus.Requested)
        {
            throw new CommandRefusedException(409, $"This exception is {state.Status.ToString().ToLowerInvariant()}; it cannot be approved.");
        }
        if (c.Until <= c.Now)
        {
            throw new CommandRefusedException(400, "until must be in the future.");
        }
        return [new ExceptionApproved(c.ExceptionId, c.Until, c.By)];
    }

    public sealed record Expire(string ExceptionId, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Expire c, ExceptionCase state) =>
        state.Status == CaseStatus.Approved && state.Until <= c.Now ? [new ExceptionExpired(c.ExceptionId, c.Now)] : [];
}

/// <summary>What a command answers: the stream, its new version (the ETag), not the events.</summary>
public sealed record CommandResult(string StreamId, long Version);
