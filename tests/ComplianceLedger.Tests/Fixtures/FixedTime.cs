namespace ComplianceLedger.Tests.Fixtures;

/// <summary>A clock the test sets.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
