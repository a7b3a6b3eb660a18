using System.Text.RegularExpressions;
using ComplianceLedger.Api.Import.Pages;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// The office's import page: choose what the file holds and upload it, see each row's outcome,
/// confirm, watch it written in the background (the page refreshes itself, no script), see the
/// result. The same <see cref="SchoolImport"/> as <c>ledger import</c>. Between the preview and
/// the confirmation the file is held on the server by its SHA-256; the confirmation names only
/// the hash, never the content.
/// </summary>
public static partial class ImportPages
{
    /// <summary>Who imports: who enrols (the office, SLT and the head).</summary>
    public static readonly Role[] Importers = PeopleEndpoints.Enrollers;

    /// <summary>A school's staff list or register is a few hundred kilobytes; a page's upload stops well short of the reader's own limit.</summary>
    public const long MaxBytes = 5 * 1024 * 1024;

    const long MaxRequestBytes = MaxBytes + 64 * 1024;

    public sealed record UploadForm
    {
        public string? Kind { get; init; }
    }

    public sealed record ConfirmForm
    {
        public string? Kind { get; init; }

        public string? Sha256 { get; init; }
    }

    public static string Href(string urn) => $"/schools/{urn}/import";

    public static RouteGroupBuilder MapImportPages(this RouteGroupBuilder school)
    {
        school.MapGet("/import", (string urn) => FormPage(urn, null, [], StatusCodes.Status200OK)).RequireRoles(Importers);
        school.MapPost("/import", PreviewAsync).RequireRoles(Importers)
            // The upload is read in memory, with a limit of its own (a few times a school's largest list).
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes))
            .WithFormOptions(bufferBody: false, memoryBufferThreshold: (int)MaxRequestBytes, multipartBodyLengthLimit: MaxRequestBytes);
        school.MapPost("/import/confirm", ConfirmAsync).RequireRoles(Importers);
        school.MapGet("/import/{importId:guid}", ProgressPage).RequireRoles(Importers);
        return school;
    }

    static RazorComponentResult<ImportFormPage> FormPage(string urn, string? kind, IReadOnlyList<FieldError> errors, int status) =>
        new(new { Urn = urn, Kind = kind, Errors = errors }) { StatusCode = status };

    static async Task<IResult> PreviewAsync(string urn, [FromForm] UploadForm? sent, IFormFile? file, SchoolImport import, CancellationToken ct)
    {
        var kind = KindOf(sent?.Kind);
        var errors = new List<FieldError>();
        if (kind is null)
        {
            errors.Add(new("kind", "Select what the file holds"));
        }
        if (file is null)
        {
            errors.Add(new("file", "Select a CSV or XLSX file"));
        }
        else if (file.Length == 0)
        {
            errors.Add(new("file", "The selected file is empty"));
        }
        else if (file.Length > MaxBytes)
        {
            errors.Add(new("file", $"The selected file must be smaller than {MaxBytes / 1024 / 1024} MB"));
        }
        else if (Path.GetExtension(file.FileName).ToLowerInvariant() is not (".csv" or ".xlsx"))
        {
            errors.Add(new("file", "The selected file must be a CSV or an XLSX spreadsheet"));
        }
        if (errors.Count > 0)
        {
            return FormPage(urn, sent?.Kind, errors, StatusCodes.Status400BadRequest);
        }
        byte[] content;
        using (var buffer = new MemoryStream((int)file!.Length))
        {
            await file.CopyToAsync(buffer, ct);
            content = buffer.ToArray();
        }
        ImportPreview preview;
        try
        {
            var table = ImportTable.Read(Path.GetFileName(file.FileName), content);
            preview = await import.PreviewAsync(kind!.Value, urn, table, ct);
        }
        catch (ImportFileException e)
        {
            return FormPage(urn, sent?.Kind, [new("file", $"The selected file cannot be read as a spreadsheet: {e.Message}")], StatusCodes.Status400BadRequest);
        }
        if (preview.CanImport && preview.ToWrite > 0)
        {
            await HeldFiles.HoldAsync(urn, preview.Table.Sha256, preview.Table.FileName, content, ct);
        }
        return new RazorComponentResult<ImportPreviewPage>(new { Urn = urn, Preview = preview })
        {
            StatusCode = preview.CanImport ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity,
        };
    }

    static async Task<IResult> ConfirmAsync(string urn, [FromForm] ConfirmForm? sent, SchoolMember member, ImportJobs jobs, CancellationToken ct)
    {
        var kind = KindOf(sent?.Kind);
        var held = kind is not null && sent?.Sha256 is { } sha && Sha256Hex().IsMatch(sha) ? await HeldFiles.ReadAsync(urn, sha, ct) : null;
        if (held is null)
        {
            return FormPage(urn, sent?.Kind, [new("file", "The file is no longer held here: upload it again to see its preview")], StatusCodes.Status400BadRequest);
        }
        ImportTable table;
        try
        {
            table = ImportTable.Read(held.Value.FileName, held.Value.Content);
        }
        catch (ImportFileException e)
        {
            return FormPage(urn, sent?.Kind, [new("file", $"The selected file cannot be read as a spreadsheet: {e.Message}")], StatusCodes.Status400BadRequest);
        }
        var (started, running) = jobs.Start(urn, member.Actor, kind!.Value, table);
        if (started is null)
        {
            return FormPage(urn, sent?.Kind,
                [new("file", $"An import for this school is already running ({running!.Percent}% done): wait for it to finish, then try again")], StatusCodes.Status409Conflict);
        }
        HeldFiles.Release(urn, table.Sha256);
        return new SeeOther($"{Href(urn)}/{started.Id:D}");
    }

    static IResult ProgressPage(string urn, Guid importId, SchoolMember member, ImportJobs jobs) =>
        jobs.Find(importId, urn, member.Actor) is { } job
            ? new RazorComponentResult<ImportProgressPage>(new { Urn = urn, Job = job })
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such import",
                detail: "You started no such import at this school, or the service restarted since: import the file again (rows already written are skipped).");

    static ImportKind? KindOf(string? kind) => kind switch
    {
        "staff" => ImportKind.Staff,
        "acknowledgements" => ImportKind.Acknowledgements,
        "declarations" => ImportKind.Declarations,
        "accounts" => ImportKind.Accounts,
        _ => null,
    };

    public static string KindWords(ImportKind kind) => kind switch
    {
        ImportKind.Staff => "the staff list",
        ImportKind.Acknowledgements => "past paper acknowledgements",
        ImportKind.Declarations => "the register of declared relationships",
        _ => "the register of official accounts",
    };

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// Uploaded files between their preview and the confirmation, in a temporary directory, by school
/// and SHA-256: the content the confirmation imports is the content that was previewed. Files left
/// unconfirmed for a day are deleted at the next upload.
/// </summary>
internal static class HeldFiles
{
    static readonly TimeSpan KeptFor = TimeSpan.FromDays(1);

    static string Directory(string urn) => Path.Combine(Path.GetTempPath(), "compliance-ledger-imports", urn);

    public static async Task HoldAsync(string urn, string sha256, string fileName, byte[] content, CancellationToken ct)
    {
        var directory = System.IO.Directory.CreateDirectory(Directory(urn));
        foreach (var old in directory.EnumerateFiles().Where(f => f.LastWriteTimeUtc < DateTime.UtcNow - KeptFor))
        {
            old.Delete();
        }
        await File.WriteAllBytesAsync(Path.Combine(directory.FullName, sha256), content, ct);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, sha256 + ".name"), fileName, ct);
    }

    public static async Task<(string FileName, byte[] Content)?> ReadAsync(string urn, string sha256, CancellationToken ct)
    {
        var path = Path.Combine(Directory(urn), sha256);
        if (!File.Exists(path) || !File.Exists(path + ".name"))
        {
            return null;
        }
        var content = await File.ReadAllBytesAsync(path, ct);
        // Held by its hash: anything else under that name is not the file that was previewed.
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)) == sha256
            ? (await File.ReadAllTextAsync(path + ".name", ct), content)
            : null;
    }

    public static void Release(string urn, string sha256)
    {
        var path = Path.Combine(Directory(urn), sha256);
        File.Delete(path);
        File.Delete(path + ".name");
    }
}
