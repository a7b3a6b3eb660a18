using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>The run's PostgreSQL, written into the test run's output (xunit's diagnostic messages).</summary>
public sealed class ReportedPostgresServer(IMessageSink diagnostics) : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.GetAsync();
        diagnostics.OnMessage(new DiagnosticMessage($"PostgreSQL for this test run: {Server.Source}"));
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// Where the tests' PostgreSQL comes from: LEDGER_TEST_CONNECTION, else a Testcontainers
/// container when a Docker engine answers, else a throwaway local cluster.
/// </summary>
public sealed class PostgresServerTests(ReportedPostgresServer reported) : IClassFixture<ReportedPostgresServer>
{
    [Fact]
    public async Task The_run_names_the_source_it_chose_and_that_server_answers()
    {
        var server = reported.Server;
        var configured = Environment.GetEnvironmentVariable("LEDGER_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Assert.StartsWith("LEDGER_TEST_CONNECTION", server.Source, StringComparison.Ordinal);
        }
        else if (server.Cluster is not null)
        {
            Assert.StartsWith($"local throwaway cluster under {server.Cluster.Root}", server.Source, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith($"Testcontainers.PostgreSql ({PostgresServer.ContainerImage}", server.Source, StringComparison.Ordinal);
        }
        await using var connection = new NpgsqlConnection(server.AdminConnectionString("postgres"));
        await connection.OpenAsync();
        Assert.True(connection.PostgreSqlVersion.Major >= 15);
    }

    public static TheoryData<string, string> ClosedDockerEndpoints => new()
    {
        { "a unix socket nobody listens on", "unix" },
        { "a loopback port nobody listens on", "tcp" },
    };

    [Theory]
    [MemberData(nameof(ClosedDockerEndpoints))]
    public async Task With_DOCKER_HOST_at_a_closed_socket_the_choice_falls_back_to_a_local_cluster_within_five_seconds(string why, string kind)
    {
        var work = Directory.CreateTempSubdirectory("docker-host-");
        try
        {
            using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var dockerHost = kind == "unix" ? ClosedUnixSocket(unix, work.FullName) : ClosedLoopbackPort();
            var clock = Stopwatch.StartNew();
            TimeSpan? fellBackAfter = null;
            var server = await PostgresServer.ChooseAsync(null, dockerHost, whyNot =>
            {
                fellBackAfter = clock.Elapsed;
                return PostgresServer.StartLocalClusterAsync(whyNot);
            });
            try
            {
                Assert.True(fellBackAfter is { } after && after < TimeSpan.FromSeconds(5), $"{why}: fell back after {fellBackAfter}");
                Assert.NotNull(server.Cluster);
                Assert.StartsWith("local throwaway cluster under", server.Source, StringComparison.Ordinal);
                Assert.Contains($"no Docker engine answered at {dockerHost}", server.Source, StringComparison.Ordinal);
                await using var connection = new NpgsqlConnection(server.AdminConnectionString("postgres"));
                await connection.OpenAsync();
            }
            finally
            {
                if (server.Cluster is not null)
                {
                    await server.Cluster.DisposeAsync();
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A socket file bound but not listening (disposing it removes the file): connecting is refused.</summary>
    static string ClosedUnixSocket(Socket socket, string directory)
    {
        var path = Path.Combine(directory, "docker.sock");
        socket.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(Path.Exists(path));
        return $"unix://{path}";
    }

    /// <summary>A loopback port that was free a moment ago and is closed again.</summary>
    static string ClosedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"tcp://127.0.0.1:{port}";
    }
}
