using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Storage;
using Weasel.Core;
using JasperFx.MultiTenancy;

namespace Spike;

public record PolicyAcknowledged(string PersonId, string PolicyId, int PolicyVersion);
public record PersonRegistered(string PersonId, string Role);

public class Person
{
    public string Id { get; set; } = "";
    public int Acks { get; set; }
    public string? Role { get; set; }
    public void Apply(PersonRegistered e) => Role = e.Role;
    public void Apply(PolicyAcknowledged e) => Acks++;
}

public static class Cfg
{
    public const string Sock = "/work/wt/spike-marten/pg";
    public static string Cs(string user, string db = "spike") =>
        $"Host={Sock};Port=55432;Database={db};Username={user};Pooling=true;Maximum Pool Size=40";

    public static DocumentStore Store(string user, EventAppendMode mode = EventAppendMode.QuickWithServerTimestamps,
        AutoCreate auto = AutoCreate.None, string schema = "marten", Action<StoreOptions>? more = null) =>
        DocumentStore.For(opts =>
        {
            opts.Connection(Cs(user));
            opts.DatabaseSchemaName = schema;          // Marten's own schema; ours stays "ledger"
            opts.AutoCreateSchemaObjects = auto;
            opts.UseSystemTextJsonForSerialization(casing: Casing.CamelCase);
            opts.Events.TenancyStyle = TenancyStyle.Conjoined;
            opts.Events.StreamIdentity = StreamIdentity.AsString;
            opts.Events.AppendMode = mode;
            opts.Events.MetadataConfig.CorrelationIdEnabled = true;
            opts.Events.MetadataConfig.CausationIdEnabled = true;
            opts.Events.MetadataConfig.HeadersEnabled = true;
            opts.Events.MetadataConfig.UserNameEnabled = true;
            opts.Events.MapEventType<PolicyAcknowledged>("policy.acknowledged.v1");
            opts.Events.MapEventType<PersonRegistered>("person.registered.v1");
            more?.Invoke(opts);
        });
}
