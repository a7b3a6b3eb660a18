using System.CommandLine;
using System.Globalization;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Verification;
using Npgsql;
using Spectre.Console;

namespace ComplianceLedger.Cli.Verify;

/// <summary>
/// <c>ledger verify</c>: recomputes every tenant's hash chain and checks its signed
/// checkpoints against keys the operator supplies. Exit 0 when everything holds, 1 when
/// anything does not.
/// </summary>
internal static class VerifyCommand
{
    public const string SigningKeyFileVariable = "Ledger__Signing__KeyFile";
    const int MaxFurtherProblemsShown = 20;

    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Connection string; the application role suffices. Default: {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var tenant = new Option<string?>("--tenant")
        {
            Description = "Verify only this tenant (the school's URN).",
            HelpName = "urn",
        };
        var publicKeys = new Option<string[]>("--public-key")
        {
            Description = "A PEM file with a checkpoint public key to trust (\"PUBLIC KEY\" block); repeat for several. " +
                          "Given, these keys alone are trusted. Without, the key in " + SigningKeyFileVariable + " or the development key, " +
                          "and failing those the keys recorded in the database, which is no independent check.",
            HelpName = "file.pem",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Fail rather than trust keys recorded in the database being verified.",
        };
        var sinceDigest = new Option<string[]>("--since-digest")
        {
            Description = "A governors' digest (the text from the board minutes, quoted): the ledger must have only grown from it. Repeat for several.",
            HelpName = "digest",
        };
        var keptCheckpoints = new Option<string[]>("--checkpoints")
        {
            Description = "A file of tree heads kept outside the database (digests, one after another, or a receipt): the ledger must have only grown from each.",
            HelpName = "file",
        };
        var command = new Command("verify", "Recompute every tenant's hash chain and check the signed checkpoints.")
        {
            connection, tenant, publicKeys, strict, sinceDigest, keptCheckpoints,
        };
        command.SetAction((parsed, ct) => RunAsync(
            context, parsed.GetValue(connection), parsed.GetValue(tenant), parsed.GetValue(publicKeys) ?? [], parsed.GetValue(strict),
            KeptHeads(parsed.GetValue(sinceDigest) ?? [], parsed.GetValue(keptCheckpoints) ?? []), ct));
        return command;
    }

    /// <summary>The tree heads given on the command line and in files, read before any database is touched.</summary>
    static List<TreeHead> KeptHeads(string[] digests, string[] files)
    {
        var heads = new List<TreeHead>();
        foreach (var digest in digests)
        {
            heads.AddRange(Parsed(digest, "--since-digest"));
        }
        foreach (var file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"Could not read the checkpoints file {file}: {e.Message}");
            }
            heads.AddRange(text.TrimStart().StartsWith('{') ? [ReceiptHead(text, file)] : Parsed(text, file));
        }
        return heads;
    }

    /// <summary>A receipt's tree head: verifying from it proves the receipt's event is still in the ledger.</summary>
    static TreeHead ReceiptHead(string text, string source)
    {
        try
        {
            return EventStore.Receipts.EventReceipt.Parse(text).TreeHead.ToTreeHead();
        }
        catch (FormatException e)
        {
            throw new CliException($"{source}: {e.Message}");
        }
    }

    static IReadOnlyList<TreeHead> Parsed(string text, string source)
    {
        try
        {
            return TreeHead.ParseDigests(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"{source}: {e.Message}");
        }
    }

    static async Task<int> RunAsync(
        CliContext context, string? connectionOption, string? onlyTenant, string[] publicKeyFiles, bool strict, List<TreeHead> keptHeads, CancellationToken ct)
    {
        // Key files first: a typo there should not wait for a database. Keys given are the only ones
        // trusted: trusting another beside them would let a checkpoint it signed pass.
        var trusted = new TrustedKeys();
        foreach (var file in publicKeyFiles)
        {
            trusted.AddPublicKeyFile(file);
        }
        if (trusted.Count == 0 && context.Variable(SigningKeyFileVariable) is { } signingKeyFile)
        {
            trusted.AddSigningKeyFile(signingKeyFile, SigningKeyFileVariable);
        }

        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        if (trusted.Count == 0 && database.DevelopmentDataDirectory is { } directory && File.Exists(DevelopmentData.SigningKeyFile(directory)))
        {
            trusted.AddSigningKeyFile(DevelopmentData.SigningKeyFile(directory), "development key");
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var verifier = new LedgerVerifier(dataSource);
        context.Out.Line($"Verifying {database.Describe()}");

        if (onlyTenant is not null && keptHeads.FirstOrDefault(h => h.Tenant != onlyTenant) is { } other)
        {
            throw new CliException($"A digest given is for school URN {other.Tenant}, not the --tenant {onlyTenant} being verified.");
        }
        // A digest names its school: verifying from one checks that school (or those the digests name).
        var tenants = onlyTenant is null && keptHeads.Count > 0
            ? [.. (await verifier.TenantsAsync(null, ct)).Where(t => keptHeads.Any(h => h.Tenant == t.Tenant))]
            : await verifier.TenantsAsync(onlyTenant, ct);
        if (keptHeads.FirstOrDefault(h => tenants.All(t => t.Tenant != h.Tenant)) is { } missing)
        {
            throw new CliException($"This ledger holds nothing for school URN {missing.Tenant}, whose digest was given: the school's whole ledger is missing.");
        }
        if (onlyTenant is not null && tenants.Count == 0)
        {
            throw new CliException($"Tenant {onlyTenant} has no events, chain head or checkpoints in this ledger.");
        }

        if (tenants.Count == 0)
        {
            context.Out.Line("The ledger holds no tenants yet: nothing to verify.");
            return ExitCodes.Success;
        }

        if (trusted.Count == 0)
        {
            if (strict)
            {
                throw new CliException(
                    "--strict: no checkpoint key was given, and the only keys at hand are recorded in the database being verified. " +
                    "Pass --public-key with the school's public key (GET /api/ledger/signing-key, or public-key.pem in an evidence pack).");
            }
            trusted.AddRecorded(await verifier.RecordedKeysAsync(ct));
            context.Error.Warning(
                $"no checkpoint key given, so trusting the keys the database itself records ({trusted.Count}). " +
                "Signatures checked against keys stored in the same database prove nothing against someone who can write to it: " +
                "they can add a key and sign a rewritten history with it; for an independent check pass --public-key with the server's public key.");
        }
        foreach (var (keyId, source) in trusted.Sources)
        {
            context.Out.Line($"Trusting checkpoint key {keyId} ({source})");
        }

        var failed = 0;
        var events = 0L;
        var checkpoints = 0L;
        await VerificationRun.VerifyAsync(context.Out, verifier, tenants, trusted.Keys, keptHeads, result =>
        {
            events += result.EventsChecked;
            checkpoints += result.CheckpointsChecked;
            var unsigned = result.EventsChecked > 0 && result.CheckpointsChecked == 0;
            if (!result.Holds || (strict && unsigned))
            {
                failed++;
            }
            Report(context.Out, result);
            if (unsigned)
            {
                context.Out.Line(("    ", null), (strict ? "FAILED (--strict)" : "warning", strict ? "red bold" : "yellow bold"),
                    (": no signed checkpoint: nothing outside the database vouches for these events.", null));
            }
            else if (result.Head is { } head && result.LastCheckpoint is { } last && head.Position > last)
            {
                context.Out.Line(string.Create(CultureInfo.InvariantCulture,
                    $"    {ConsoleLines.Count(head.Position - last, "event")} after the last signed checkpoint (position {last}): held by the chain alone until the next one"));
            }
        }, ct);

        if (failed == 0)
        {
            context.Out.Line(
                ($"{ConsoleLines.Count(tenants.Count, "tenant")}, {ConsoleLines.Count(events, "event")}, {ConsoleLines.Count(checkpoints, "checkpoint")}: ", null),
                ("all hold", "green bold"));
            return ExitCodes.Success;
        }
        context.Out.Line((string.Create(CultureInfo.InvariantCulture, $"{failed} of {ConsoleLines.Count(tenants.Count, "tenant")} "), null), ("FAILED", "red bold"),
            (" verification.", null));
        return ExitCodes.ProblemsFound;
    }

    /// <summary>
    /// <c>tenant 123456: 20 events, 2 checkpoints: OK</c> and the head it verified up to, or
    /// <c>tenant 123456: FAILED at position 17: …</c> and any further problems indented below.
    /// </summary>
    static void Report(IAnsiConsole console, TenantVerification result)
    {
        if (result.Holds)
        {
            console.Line(
                ($"tenant {result.Tenant}: {ConsoleLines.Count(result.EventsChecked, "event")}, {ConsoleLines.Count(result.CheckpointsChecked, "checkpoint")}: ", null),
                ("OK", "green"));
            if (result.Head is { } head)
            {
                // The hash to compare with a signed checkpoint, an earlier run or a copy elsewhere.
                console.Line(string.Create(CultureInfo.InvariantCulture, $"    head at position {head.Position}: {Convert.ToHexStringLower(head.Hash)}"));
            }
            foreach (var grown in result.GrewFrom)
            {
                console.Line(string.Create(CultureInfo.InvariantCulture,
                    $"    grew only from the digest of {ChainHash.FormatTimestamp(grown.From.IssuedAt)} ({ConsoleLines.Count(grown.From.TreeSize, "event")}): ") +
                    string.Create(CultureInfo.InvariantCulture, $"consistency proof to {grown.ToSize} ({ConsoleLines.Count(grown.Proof.Count, "node")}) {(grown.Holds ? "verified" : "DOES NOT VERIFY")}"));
            }
            return;
        }
        var first = result.Problems[0];
        console.Line(($"tenant {result.Tenant}: ", null), ("FAILED", "red bold"),
            (string.Create(CultureInfo.InvariantCulture, $" at position {first.Position}: {first.Problem}"), null));
        foreach (var problem in result.Problems.Skip(1).Take(MaxFurtherProblemsShown))
        {
            console.Line(string.Create(CultureInfo.InvariantCulture, $"    position {problem.Position}: {problem.Problem}"));
        }
        var shown = 1 + Math.Min(MaxFurtherProblemsShown, result.Problems.Count - 1);
        if (result.ProblemsFound > shown)
        {
            // A shifted chain breaks at every later position; the first few say all there is.
            console.Line($"    … and {ConsoleLines.Count(result.ProblemsFound - shown, "further problem")}");
        }
    }
}
