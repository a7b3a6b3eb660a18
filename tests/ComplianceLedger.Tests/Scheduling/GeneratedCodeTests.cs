using ComplianceLedger.Tests.Fixtures;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// The app loads Wolverine's handler code pre-generated (TypeLoadMode.Static, no Roslyn at run
/// time: docs/decisions.md), from src/ComplianceLedger.Api/Internal/Generated. A handler changed
/// without regenerating would run stale code, or none: this fails first. To regenerate, run it
/// with LEDGER_WRITE_GENERATED_CODE=1 and commit the files it names.
/// </summary>
public sealed class GeneratedCodeTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string GeneratedDirectory([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../src/ComplianceLedger.Api/Internal/Generated"));

    [Fact]
    public void The_committed_generated_handler_code_is_what_Wolverine_generates_now()
    {
        var builder = new DynamicCodeBuilder(app.Services, [.. app.Services.GetServices<ICodeFileCollection>()])
        {
            ServiceVariableSource = app.Services.GetService<IServiceVariableSource>(),
        };
        if (Environment.GetEnvironmentVariable("LEDGER_WRITE_GENERATED_CODE") == "1")
        {
            Directory.Delete(GeneratedDirectory(), recursive: true);
            var written = new List<string>();
            builder.WriteGeneratedCode(written.Add);
            Assert.Fail("Wrote (commit them): " + string.Join(", ", written));
        }
        var committed = Directory.GetFiles(GeneratedDirectory(), "*.cs", SearchOption.AllDirectories).SelectMany(File.ReadAllLines);
        // The same lines, whatever the files' order and blank lines.
        Assert.Equal(Lines(builder.GenerateAllCode().Split('\n')), Lines(committed));
    }

    static List<string> Lines(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.TrimEnd()).Where(l => l.Length > 0).Order(StringComparer.Ordinal)];
}
