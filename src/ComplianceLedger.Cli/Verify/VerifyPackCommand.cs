using System.CommandLine;
using System.Globalization;
using ComplianceLedger.EventStore.Packs;

namespace ComplianceLedger.Cli.Verify;

/// <summary>
/// <c>ledger verify-pack FILE</c>: checks an evidence pack with no database and no network
/// (docs/ledger-format.md, "What a verifier checks"). Exit 0 when it holds, 1 naming each file,
/// line and position that failed.
/// </summary>
internal static class VerifyPackCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The evidence pack (.zip) as downloaded." };
        var publicKeys = TrustedKeys.OfflineKeyOption("pack");
        var strict = TrustedKeys.OfflineStrictOption("pack");
        var command = new Command("verify-pack", "Check an evidence pack offline: every file, every event, its proof and the signatures.")
        {
            file, publicKeys, strict,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(file)!, parsed.GetValue(publicKeys) ?? [], parsed.GetValue(strict)));
        return command;
    }

    static int Run(CliContext context, string file, string[] publicKeyFiles, bool strict)
    {
        var trusted = TrustedKeys.FromFiles(publicKeyFiles);
        if (trusted.Count == 0 && strict)
        {
            throw new CliException("--strict: no public key was given, and the only one at hand is inside the pack. Pass --public-key with the school's key.");
        }
        PackVerification result;
        try
        {
            using var stream = File.OpenRead(file);
            result = PackVerifier.Verify(stream, trusted.Count == 0 ? null : trusted.Keys);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Could not read the pack {file}: {e.Message}");
        }
        foreach (var warning in result.Warnings)
        {
            context.Error.Warning(warning);
        }
        if (result.Intact && result.Manifest is { } m && result.Head is { } h)
        {
            context.Out.Line(($"{file}: ", null), ("OK", "green"));
            var events = m.Events.Count == 0
                ? "no event was recorded in the period"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{ConsoleLines.Count(m.Events.Count, "event")} at positions {m.Events.First} to {m.Events.Last}, {m.Events.InPeriod} of them recorded in the period, are present, unaltered and in the signed ledger");
            context.Out.Line($"    school URN {m.School.Urn} ({m.School.Name}), {m.Period.From} to {m.Period.To}{(m.Period.AsOf ? " (as of)" : "")}: {events}");
            context.Out.Line(string.Create(CultureInfo.InvariantCulture,
                $"    tree head of {h.TreeSize} events, root {Convert.ToHexStringLower(h.Root)}, signed {EventStore.Chain.ChainHash.FormatTimestamp(h.IssuedAt)} by key {h.KeyId}; {m.Files.Count} files match the signed manifest"));
            return ExitCodes.Success;
        }
        context.Out.Line(($"{file}: ", null), ("FAILED", "red bold"), ($": {result.Problems[0]}", null));
        foreach (var problem in result.Problems.Skip(1))
        {
            context.Out.Line($"    {problem}");
        }
        return ExitCodes.ProblemsFound;
    }
}
