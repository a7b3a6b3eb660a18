using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Demo;

namespace ComplianceLedger.Tests.Docs;

/// <summary>
/// docs/api.md's curl examples, run as written, in order, in one shell against the app: each
/// answer must show the lines printed under its example.
/// </summary>
public sealed partial class ApiDocExamplesTests(DemoApp app) : IClassFixture<DemoApp>
{
    sealed record Example(int Number, string Script, IReadOnlyList<string> Expected);

    [Fact]
    public async Task Every_example_in_the_API_guide_answers_as_documented()
    {
        var examples = Examples(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "api.md")));
        Assert.True(examples.Count >= 6, $"docs/api.md should have an example for sign-in, errors, idempotency, If-Match and as-of; found {examples.Count}");

        var teacher = await TeacherAsync();
        await app.ProjectionsCaughtUpAsync();
        var outputs = await RunAsync(examples, teacher);

        foreach (var example in examples)
        {
            var output = outputs.GetValueOrDefault(example.Number, "");
            var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            foreach (var expected in example.Expected)
            {
                var pattern = new Regex("^" + string.Join(".*", expected.Split('…').Select(Regex.Escape)) + "$", RegexOptions.IgnoreCase);
                Assert.True(lines.Any(pattern.IsMatch),
                    $"Example {example.Number} of docs/api.md:\n{example.Script}\nshould answer a line like \"{expected}\"; it answered:\n{output}");
            }
        }
    }

    async Task<Dictionary<int, string>> RunAsync(IReadOnlyList<Example> examples, Guid teacher)
    {
        var work = Directory.CreateTempSubdirectory("api-doc-");
        try
        {
            var script = new StringBuilder();
            foreach (var example in examples)
            {
                script.Append("echo '@@example ").Append(example.Number).Append("'\n").Append(example.Script).Append('\n');
            }
            var start = new ProcessStartInfo("bash", ["-c", script.ToString()])
            {
                WorkingDirectory = work.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["LEDGER"] = app.LoopbackAddress.ToString().TrimEnd('/');
            start.Environment["TEACHER"] = teacher.ToString();
            using var bash = Process.Start(start)!;
            var stdout = bash.StandardOutput.ReadToEndAsync();
            var stderr = bash.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await bash.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                bash.Kill(entireProcessTree: true);
                throw new TimeoutException($"docs/api.md's examples took over a minute: {await stdout}");
            }
            Assert.True(bash.ExitCode == 0, $"the examples' shell failed ({bash.ExitCode}): {await stderr}\n{await stdout}");

            var outputs = new Dictionary<int, string>();
            foreach (var part in (await stdout).Split("@@example ").Skip(1))
            {
                var newline = part.IndexOf('\n');
                outputs[int.Parse(part[..newline], System.Globalization.CultureInfo.InvariantCulture)] = part[(newline + 1)..];
            }
            return outputs;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    async Task<Guid> TeacherAsync()
    {
        // A teacher today: started, not on leave, not leaving, teaching under the roles in effect now.
        await using var command = app.AdminDataSource.CreateCommand($"""
            SELECT p.person_id FROM rm.people p
             WHERE p.tenant = '139001' AND 'teacher' = ANY({SchoolAccess.RolesTodaySql})
               AND p.started_on <= {SchoolDay.TodaySql} AND p.left_on IS NULL
               AND NOT EXISTS (SELECT FROM rm.person_leaves l WHERE l.tenant = p.tenant AND l.person_id = p.person_id
                                  AND l.from_on <= {SchoolDay.TodaySql} AND (l.until_on IS NULL OR l.until_on > {SchoolDay.TodaySql}))
             ORDER BY p.person_id LIMIT 1
            """);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Each <c>```sh</c> block and the <c>```http</c> block of expected lines right after it.</summary>
    static List<Example> Examples(string markdown)
    {
        var examples = new List<Example>();
        foreach (Match match in ExampleBlock().Matches(markdown))
        {
            var expected = match.Groups["expected"].Value.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            examples.Add(new Example(examples.Count + 1, match.Groups["script"].Value, expected));
        }
        return examples;
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComplianceLedger.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ComplianceLedger.sln not found above the test binaries");
    }

    [GeneratedRegex("```sh\\n(?<script>.*?)```\\n```http\\n(?<expected>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();
}
