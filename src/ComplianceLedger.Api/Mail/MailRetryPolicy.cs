using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.ErrorHandling;

namespace ComplianceLedger.Api.Mail;

/// <summary>
/// A message whose handler could not hand its mail to the server is tried again later, with
/// backoff (1, 5, 15, 30 minutes, hourly, then every 2½ hours for two days: <c>Ledger:Mail:RetryDelays</c>), from
/// Wolverine's durable store, so a restart loses none; after the last it goes to the dead letters.
/// </summary>
internal sealed class MailRetryPolicy(IOptions<MailOptions> options) : IWolverineExtension
{
    public void Configure(WolverineOptions wolverine) =>
        wolverine.Policies.OnException<MailDeliveryException>().ScheduleRetry([.. options.Value.EffectiveRetryDelays]);
}
