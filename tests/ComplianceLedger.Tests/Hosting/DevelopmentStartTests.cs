using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.LocalPostgres;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Hosting;

/// <summary>
/// In Development with no connection string, the app makes its own PostgreSQL cluster under
/// the data directory, stops it when it stops, and a second start reuses it with its data.
/// </summary>
public sealed class DevelopmentStartTests : IAsyncLifetime
{
    readonly string dataDirectory = Path.Combine(Path.GetTempPath(), $"ledger-dev-{Guid.NewGuid():N}"[..20]);

    WebApplicationFactory<Program> App() => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseEnvironment("Development");
        web.UseSetting("Ledger:DataDirectory", dataDirectory);
        web.UseSetting("Ledger:SeedDemo", "false");
        // Test-only: the client's cookie container sends no Secure cookie over http.
        web.UseSetting("SignIn:Cookies:Secure", "false");
        web.UseSetting("SignIn:RateLimit:PermitPerMinute", "1000000");
    });

    [Fact]
    public async Task A_first_start_provisions_and_migrates_a_local_cluster_and_a_second_start_reuses_it()
    {
        Guid head;
        await using (var first = App())
        {
            var ready = await first.CreateClient().GetFromJsonAsync<JsonElement>("/health/ready");
            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            var setup = first.Services.GetRequiredService<SchoolSetup>();
            await setup.RegisterAsync("500001", "Kept School", null, null, ["kept.sch.uk"], null, "system:test");
            head = await setup.EnrolAsync("500001", "Ms Kept", [Role.Headteacher], new DateOnly(2025, 9, 1), "system:test");
        }
        Assert.True(DevelopmentData.HasCluster(dataDirectory));
        Assert.True(File.Exists(DevelopmentData.SigningKeyFile(dataDirectory)));

        // The app stopped the server it started; the next start must bring it back with its data.
        Assert.False(await LocalCluster.Existing(DevelopmentData.ClusterRoot(dataDirectory)).IsRunningAsync());

        await using var second = App();
        var client = second.CreateClient();
        await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["urn"] = "500001", ["personId"] = head.ToString() }));
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("Ms Kept", me.GetProperty("name").GetString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (DevelopmentData.HasCluster(dataDirectory) && LocalCluster.Existing(DevelopmentData.ClusterRoot(dataDirectory)) is var cluster
            && await cluster.IsRunningAsync())
        {
            await cluster.StopAsync();
        }
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }
}
