using ComplianceLedger.Api.Health;
using ComplianceLedger.Api.Mail;
using ComplianceLedger.Api.Retention;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Marten;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.ReadModels;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Hosting;

public static class LedgerServices
{
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        // Resolved lazily so test hosts can supply configuration after Program starts.
        services.AddSingleton(sp => LedgerDatabase.Resolve(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        // Tuned for appends (no reset on close, auto-prepare): see docs/benchmarks.md.
        services.AddSingleton(sp => LedgerDataSource.Create(sp.GetRequiredService<LedgerDatabase>().AppConnectionString,
            b => b.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton(sp => LoadSigningKey(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        // Projections run in this order, inline ones in every append's transaction and async ones in
        // the daemon: facts first, then verdicts on them.
        services.AddSingleton<IProjection, FactsProjection>();
        services.AddSingleton<IProjection, ComplianceProjection>();
        services.AddSingleton<IProjection, ExceptionsProjection>();
        services.AddSingleton<IProjection, OfficialAccountsProjection>();
        services.AddSingleton<IProjection, AuditTrailProjection>();
        services.AddSingleton(sp => new LedgerStore(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetServices<IProjection>()));
        services.AddSingleton<PersonalDataVault>();
        services.AddSingleton<AsOf.ReadModelReader>();
        services.AddSingleton(sp => new SignIn.SignInEmails(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.AddSingleton<Schools.SchoolSetup>();
        services.AddSingleton<Notices.NoticeLinks>();
        services.AddTransient<Demo.DemoSchool>();
        services.AddTransient<Demo.SyntheticTrust>();
        services.AddSingleton<CheckpointIssuer>();
        services.AddSingleton<EvidencePacks.EvidencePackBuilder>();
        services.AddSingleton<EvidencePacks.PackBuilds>();
        services.AddTransient<Import.SchoolImport>();
        services.AddSingleton<Import.ImportJobs>();
        services.AddSingleton<StartupState>();

        // Order matters: migrate before anything touches the schema, and before Kestrel listens.
        // Services stop in reverse order, so the development cluster stops after all the others.
        services.AddHostedService<DevelopmentClusterService>();
        services.AddHostedService<MigrationService>();
        // One Marten store on the app's data source, shared by the ledger's appends and Wolverine's
        // outbox. Wolverine's runtime is a hosted service: it starts after the migration (its
        // tables must exist) and stops before the development cluster.
        services.AddMarten(sp => LedgerMarten.Configure(new StoreOptions(), sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()))
            .IntegrateWithLedgerWolverine();
        services.AddScheduledWork();
        services.AddRetention();
        services.AddHostedService<Demo.DemoSeedService>();
        services.AddHostedService<CheckpointService>();
        services.AddProjectionDaemon();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<Projections.ProjectionsHealthCheck>("projections");
        services.AddLedgerMail();
        return builder;
    }

    /// <summary>
    /// The checkpoint key: <c>Ledger:Signing:PrivateKeyPem</c>, else the PEM file at
    /// <c>Ledger:Signing:KeyFile</c> (generated there on first start when
    /// <c>Ledger:Signing:CreateIfMissing</c> is true, as in docker-compose). In Development,
    /// a key is generated in the data directory.
    /// </summary>
    static SigningKey LoadSigningKey(IConfiguration configuration, IHostEnvironment environment)
    {
        var pem = configuration["Ledger:Signing:PrivateKeyPem"];
        if (!string.IsNullOrWhiteSpace(pem))
        {
            return SigningKey.FromPem(pem);
        }
        var file = configuration["Ledger:Signing:KeyFile"];
        if (!string.IsNullOrWhiteSpace(file))
        {
            return SigningKey.FromFile(file, createIfMissing: configuration.GetValue("Ledger:Signing:CreateIfMissing", false));
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "No checkpoint signing key: set Ledger__Signing__KeyFile (an ECDSA P-256 private key in PEM) or Ledger__Signing__PrivateKeyPem.");
        }
        var dataDirectory = DevelopmentData.Directory(configuration["Ledger:DataDirectory"]);
        return SigningKey.FromFile(DevelopmentData.SigningKeyFile(dataDirectory), createIfMissing: true);
    }
}
