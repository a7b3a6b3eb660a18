using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.EventStore.LocalPostgres;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace ComplianceLedger.Tests.Hosting;

/// <summary>
/// In Development with no connection string, the app makes its own PostgreSQL cluster under
/// the data directory, and a second start reuses it with its data.
/// </summary>
public sealed class DevelopmentStartTests : IAsyncLifetime
{
    readonly string dataDirectory = Path.Combine(Path.GetTempPath(), $"ledger-dev-{Guid.NewGuid():N}"[..20]);

    WebApplicationFactory<Program> App() => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseEnvironment("Development");
        web.UseSetting("Ledger:DataDirectory", dataDirectory);
    });

    [Fact]
    public async Task A_first_start_provisions_and_migrates_a_local_cluster_and_a_second_start_reuses_it()
    {
        await using (var first = App())
        {
            var ready = await first.CreateClient().GetFromJsonAsync<JsonElement>("/health/ready");
            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            var created = await first.CreateClient().PostAsync("/api/schools/500001/streams/kept/events", new StringContent(
                """{"streamType":"person","actor":"person:office","events":[{"type":"policy.acknowledged.v1","data":{"policyId":"p","versionLabel":"1","documentSha256":"00","personId":"0190a0b0-0000-7000-8000-000000000003","method":"paper","acknowledgedAt":"2026-09-02T09:00:00Z","recordedBy":"person:office"}}]}""",
                System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
        Assert.True(DevelopmentData.HasCluster(dataDirectory));
        Assert.True(File.Exists(DevelopmentData.SigningKeyFile(dataDirectory)));

        // Stop the server as a machine restart would; the next start must bring it back with its data.
        var cluster = await LocalCluster.StartAsync(DevelopmentData.ClusterRoot(dataDirectory), throwaway: false, durable: true);
        await cluster.StopAsync();

        await using var second = App();
        var stream = await second.CreateClient().GetFromJsonAsync<JsonElement>("/api/schools/500001/streams/kept");
        Assert.Equal(1, stream.GetProperty("version").GetInt64());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (DevelopmentData.HasCluster(dataDirectory))
        {
            var cluster = await LocalCluster.StartAsync(DevelopmentData.ClusterRoot(dataDirectory), throwaway: false, durable: true);
            await cluster.StopAsync();
        }
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }
}
