using System.Net.Http.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpikeApp;
using Wolverine.Tracking;
using Xunit;
using Xunit.Abstractions;

namespace SpikeTests;

public class SchedulingTests(ITestOutputHelper output)
{
    const string Cs = "Host=127.0.0.1;Port=55432;Username=postgres;Database=spike";

    static async Task<IAlbaHost> Start() { Environment.SetEnvironmentVariable("ConnectionStrings__Marten", Cs); return await AlbaHost.For<Program>(); }

    async Task<string> Create(IAlbaHost host, string urn)
    {
        var r = await host.Scenario(s =>
        {
            s.Post.Json(new RequestBody("p1", "nephew")).ToUrl($"/wapi/schools/{urn}/exceptions");
            s.StatusCodeShouldBe(201);
        });
        output.WriteLine($"create: Location={r.Context.Response.Headers.Location} ETag={r.Context.Response.Headers.ETag}");
        return (await r.ReadAsJsonAsync<CommandResult>())!.StreamId;
    }

    static async Task<long> Scheduled(string id)
    {
        await using var c = new NpgsqlConnection(Cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from wolverine.wolverine_incoming_envelopes where status = 'Scheduled' and message_type ilike '%expiry%'", c);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Stale_if_match_is_412_and_a_scheduled_expiry_survives_a_restart_once_for_its_tenant()
    {
        string id;
        await using (var c = new NpgsqlConnection(Cs)) { await c.OpenAsync(); await new NpgsqlCommand("delete from wolverine.wolverine_incoming_envelopes where status = 'Scheduled'", c).ExecuteNonQueryAsync(); }
        var before = await Scheduled("");
        await using (var host1 = await Start())
        {
            id = await Create(host1, "139001");
            var stale = await host1.Scenario(s =>
            {
                s.Post.Json(new ApproveBody(DateTimeOffset.UtcNow.AddSeconds(5))).ToUrl($"/api/schools/139001/exceptions/{id}/approval");
                s.WithRequestHeader("If-Match", "\"7\"");
                s.StatusCodeShouldBe(412);
            });
            output.WriteLine("stale: " + await stale.ReadAsTextAsync());
            Assert.Equal(before, await Scheduled(id));
            // rollback: handler appends and schedules, then throws => nothing stored
            var boom = await host1.Scenario(s =>
            {
                s.Post.Json(new ApproveBody(new DateTimeOffset(2199, 1, 1, 0, 0, 0, TimeSpan.Zero))).ToUrl($"/api/schools/139001/exceptions/{id}/approval-via-bus");
                s.StatusCodeShouldBe(500);
            });
            Assert.Equal(before, await Scheduled(id));
            var ok = await host1.Scenario(s =>
            {
                s.Post.Json(new ApproveBody(DateTimeOffset.UtcNow.AddSeconds(5))).ToUrl($"/api/schools/139001/exceptions/{id}/approval");
                s.WithRequestHeader("If-Match", "\"1\"");
                s.StatusCodeShouldBe(200);
            });
            output.WriteLine($"approve: ETag={ok.Context.Response.Headers.ETag} {await ok.ReadAsTextAsync()}");
            Assert.Equal(before + 1, await Scheduled(id));
            await host1.StopAsync();
        }
        Assert.False(ExceptionExpiryDueHandler.Handled.ContainsKey($"139001/{id}"));
        await using var host2 = await Start();
        for (var i = 0; i < 40 && !ExceptionExpiryDueHandler.Handled.ContainsKey($"139001/{id}"); i++) await Task.Delay(250);
        await Task.Delay(2000);
        foreach (var s in ExceptionExpiryDueHandler.Seen) output.WriteLine(s);
        Assert.Equal(1, ExceptionExpiryDueHandler.Handled.GetValueOrDefault($"139001/{id}"));
        await using var q = host2.Services.GetRequiredService<IDocumentStore>().QuerySession("139001");
        var state = await q.Events.AggregateStreamAsync<ExceptionCase>(id);
        Assert.Equal(CaseStatus.Expired, state!.Status);
    }

    [Fact]
    public async Task Two_hosts_handle_each_scheduled_message_once()
    {
        await using var a = await Start();
        await using var b = await Start();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var id = await Create(a, "139002");
            ids.Add(id);
            var host = i % 2 == 0 ? a : b;
            await host.Scenario(s =>
            {
                s.Post.Json(new ApproveBody(DateTimeOffset.UtcNow.AddSeconds(4))).ToUrl($"/api/schools/139002/exceptions/{id}/approval");
                s.StatusCodeShouldBe(200);
            });
        }
        await Task.Delay(9000);
        var counts = ids.Select(id => ExceptionExpiryDueHandler.Handled.GetValueOrDefault($"139002/{id}")).ToList();
        output.WriteLine("handled counts: " + string.Join(",", counts));
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task Invoke_and_wait_with_tracking()
    {
        await using var host = await Start();
        var id = await Create(host, "139003");
        var tracked = await host.InvokeMessageAndWaitAsync(new ExceptionExpiryDue("139003", id));
        output.WriteLine("tracked envelopes: " + tracked.AllRecordsInOrder().Length);
    }
}
