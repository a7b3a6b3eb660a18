using System.Globalization;

namespace ComplianceLedger.Bench;

/// <summary>
/// The shape of what the benchmarks write, shared by the store runs and the pgbench / SQL
/// baselines so both sides write rows of the same size: a policy acknowledgement by one
/// person at one school, as the application appends it.
/// </summary>
static class Workload
{
    public const string EventType = "policy.acknowledged.v1";
    public const string StreamType = "person";
    public const string Actor = "person:0197a1b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b";
    /// <summary>People per school with a stream; after the warm-up nearly every append extends an existing stream.</summary>
    public const int StreamsPerTenant = 200;

    /// <summary>The payload with <c>{0}</c> where a per-event UUID goes; already canonical (keys sorted, no spaces).</summary>
    public const string PayloadTemplate =
        """{"acknowledgedAt":"2026-09-01T08:30:00.000000Z","channel":"web","personId":"{0}","policyId":"social-media-policy","policyVersion":"2026.1","role":"teaching-staff","school":{"name":"Example Primary School","urn":"100001"},"statement":"I have read and understood the school social media policy and will follow it."}""";

    public static string Payload(Guid person) => PayloadTemplate.Replace("{0}", person.ToString("D"), StringComparison.Ordinal);

    /// <summary>School URNs: six digits, as in the tenant names the application uses.</summary>
    public static string Tenant(int index) => (100001 + index).ToString(CultureInfo.InvariantCulture);

    public static string Stream(int index) => "person-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A SQL expression producing the payload with a fresh UUID, parsed to jsonb per row like an append's.</summary>
    public static string PayloadSql(string uuidExpression) =>
        "('" + PayloadTemplate.Replace("{0}", "' || " + uuidExpression + " || '", StringComparison.Ordinal) + "')::jsonb";
}
