using ComplianceLedger.Tests.Fixtures;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// The app loads Wolverine's handler code pre-generated (TypeLoadMode.Static, no Roslyn at run
/// time: docs/decisions.md), from src/ComplianceLedger.Api/Internal/Generated. A handler changed
/// without regenerating would run stale code, or none: this fails first. To regenerate: delete
/// that folder, build, run this test with LEDGER_WRITE_GENERATED_CODE=1, build, and commit the files.
/// </summary>
public sealed class GeneratedCodeTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string GeneratedDirectory([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../src/ComplianceLedger.Api/Internal/Generated"));

    [Fact]
    public void The_committed_generated_handler_code_is_what_Wolverine_generates_now()
    {
        var write = Environment.GetEnvironmentVariable("LEDGER_WRITE_GENERATED_CODE") == "1";
        // As `codegen write` runs: the app starts without the pre-built types it is about to write.
        DynamicCodeBuilder.WithinCodegenCommand = write;
        var builder = new DynamicCodeBuilder(app.Services, [.. app.Services.GetServices<ICodeFileCollection>()])
        {
            ServiceVariableSource = app.Services.GetService<IServiceVariableSource>(),
        };
        if (write)
        {
            if (Directory.Exists(GeneratedDirectory()))
            {
                Directory.Delete(GeneratedDirectory(), recursive: true);
            }
            var written = new List<string>();
            builder.WriteGeneratedCode(written.Add);
            Assert.Fail("Wrote (commit them): " + string.Join(", ", written));
        }
        var committed = Directory.GetFiles(GeneratedDirectory(), "*.cs", SearchOption.AllDirectories).SelectMany(File.ReadAllLines);
        // The same lines, whatever the files' order and blank lines.
        Assert.Equal(Lines(builder.GenerateAllCode().Split('\n')), Lines(committed));
    }

    [Fact]
    public void Every_message_handler_of_the_app_is_in_the_generated_registry()
    {
        // In Static mode Wolverine finds handlers only through the generated registry: a new one
        // missing from it would never run. Wolverine's convention: a public class named *Handler
        // with a public Handle method (StreamHandler's are generic helpers, not message handlers).
        var assembly = typeof(ComplianceLedger.Api.Scheduling.ScheduledWork).Assembly;
        var handlers = assembly.GetExportedTypes()
            .Where(t => t.Name.EndsWith("Handler", StringComparison.Ordinal)
                && t.GetMethods().Any(m => m.Name is "Handle" or "HandleAsync" && !m.IsGenericMethodDefinition))
            .Select(t => t.FullName!).Order(StringComparer.Ordinal);
        var registry = (Wolverine.Runtime.Handlers.HandlerRegistry)Activator.CreateInstance(
            assembly.GetType("Internal.Generated.WolverineHandlers.GeneratedHandlerRegistry", throwOnError: true)!)!;
        Assert.Equal(handlers, registry.HandlerTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal));
    }

    static List<string> Lines(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.TrimEnd()).Where(l => l.Length > 0).Order(StringComparer.Ordinal)];
}
