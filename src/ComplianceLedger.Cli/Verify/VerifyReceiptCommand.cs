using System.CommandLine;
using ComplianceLedger.EventStore.Receipts;

namespace ComplianceLedger.Cli.Verify;

/// <summary>
/// <c>ledger verify-receipt FILE</c>: checks a person's receipt with no database and no network:
/// the event's hash from its fields, its inclusion proof, the tree head's signature. Exit 0 when
/// it holds, 1 naming what failed.
/// </summary>
internal static class VerifyReceiptCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The receipt (JSON) as downloaded." };
        var publicKeys = TrustedKeys.OfflineKeyOption("receipt");
        var strict = TrustedKeys.OfflineStrictOption("receipt");
        var command = new Command("verify-receipt", "Check a receipt offline: the event, its inclusion proof and the signed tree head.")
        {
            file, publicKeys, strict,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(file)!, parsed.GetValue(publicKeys) ?? [], parsed.GetValue(strict)));
        return command;
    }

    static int Run(CliContext context, string file, string[] publicKeyFiles, bool strict)
    {
        var trusted = TrustedKeys.FromFiles(publicKeyFiles);
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Could not read the receipt {file}: {e.Message}");
        }
        EventReceipt receipt;
        try
        {
            receipt = EventReceipt.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"{file}: {e.Message}");
        }
        if (trusted.Count == 0)
        {
            if (strict)
            {
                throw new CliException("--strict: no public key was given, and the only one at hand came inside the receipt. Pass --public-key with the school's key.");
            }
            trusted.AddPublicKeyText(receipt.PublicKeyPem, "inside the receipt");
            context.Error.Warning("no public key given, so trusting the one inside the receipt: that proves the receipt is whole, not that the school signed it. Pass --public-key with the school's key (GET /api/ledger/signing-key).");
        }
        var problems = receipt.Check(trusted.Keys);
        var recorded = receipt.Event;
        if (problems.Count == 0)
        {
            context.Out.Line(($"{file}: event {recorded.EventType} at position {recorded.ChainPosition} of school URN {recorded.Tenant}, recorded {EventStore.Chain.ChainHash.FormatTimestamp(recorded.RecordedAt)}: ", null),
                ("OK", "green"));
            context.Out.Line($"    in the signed tree head of {receipt.TreeHead.TreeSize} events, root {receipt.TreeHead.Root}, signed {receipt.TreeHead.IssuedAt} by key {receipt.TreeHead.KeyId}");
            return ExitCodes.Success;
        }
        context.Out.Line(($"{file}: ", null), ("FAILED", "red bold"), ($": {problems[0]}", null));
        foreach (var problem in problems.Skip(1))
        {
            context.Out.Line($"    {problem}");
        }
        return ExitCodes.ProblemsFound;
    }
}
