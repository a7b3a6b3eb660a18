using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComplianceLedger.Api.Mail;

/// <summary>What the last sends did, for <c>/health/ready</c> and the office page. One per node.</summary>
public sealed class MailHealth(TimeProvider time)
{
    readonly Lock gate = new();
    State state = new(null, null, null, null, 0);

    /// <summary>A moment in the mail's life: the last success, the last failure and why, and failures since the last success.</summary>
    public sealed record State(DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastFailureReason, DateTimeOffset? FailingSince, int FailuresSinceSuccess)
    {
        /// <summary>The last attempt failed (a success clears it).</summary>
        public bool Failing => LastFailure is not null && FailuresSinceSuccess > 0;
    }

    public State Current
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    public void Succeeded()
    {
        lock (gate)
        {
            state = state with { LastSuccess = time.GetUtcNow(), FailingSince = null, FailuresSinceSuccess = 0 };
        }
    }

    /// <param name="reason">Plain words, no address or body: "the mail server refused the message (451 …)".</param>
    public void Failed(string reason)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            state = state with
            {
                LastFailure = now,
                LastFailureReason = reason,
                FailingSince = state.FailingSince ?? now,
                FailuresSinceSuccess = state.FailuresSinceSuccess + 1,
            };
        }
    }
}

/// <summary>
/// "mail": Degraded while the last attempt failed (the app still records; the notices wait and
/// Wolverine retries them), with when and why; Healthy otherwise.
/// </summary>
internal sealed class MailHealthCheck(MailHealth health, MailTarget target) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = health.Current;
        var data = new Dictionary<string, object>
        {
            ["server"] = target.Describe(),
            ["failuresSinceSuccess"] = now.FailuresSinceSuccess,
        };
        if (now.LastSuccess is { } success)
        {
            data["lastSuccess"] = success;
        }
        if (now.LastFailure is { } failure)
        {
            data["lastFailure"] = failure;
            data["lastFailureReason"] = now.LastFailureReason ?? "";
        }
        if (now.Failing)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"{now.LastFailureReason}; failing since {now.FailingSince:u}, {now.FailuresSinceSuccess} failed attempt(s) waiting to be retried", data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy(target.Configured ? "mail sent through " + target.Describe() : target.Describe(), data));
    }
}
