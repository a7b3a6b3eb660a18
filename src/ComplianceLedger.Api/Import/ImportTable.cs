using System.Globalization;
using System.Security.Cryptography;
using ClosedXML.Excel;

namespace ComplianceLedger.Api.Import;

/// <summary>One cell as the file holds it: its text, and its date when a spreadsheet typed it as one.</summary>
public readonly record struct ImportCell(string Text, DateTime? Date = null)
{
    public bool IsBlank => Date is null && string.IsNullOrWhiteSpace(Text);
}

/// <summary>A row of the file, numbered as the spreadsheet numbers it (the header is row 1).</summary>
public sealed record ImportRow(int Number, IReadOnlyList<ImportCell> Cells)
{
    public ImportCell this[int column] => column < Cells.Count ? Cells[column] : new ImportCell("");
}

/// <summary>
/// A school's spreadsheet read into rows: the headers of row 1 as written, the rows after it that
/// hold anything, and the SHA-256 of the file's bytes (recorded on every event it imports).
/// </summary>
public sealed record ImportTable(string FileName, string Sha256, IReadOnlyList<string> Headers, IReadOnlyList<ImportRow> Rows)
{
    /// <summary>The largest file read: a school's staff list is a few thousand rows, far below it.</summary>
    public const int MaxBytes = 20 * 1024 * 1024;

    /// <summary>Reads CSV or XLSX, chosen by the file name's extension (the first worksheet of a workbook).</summary>
    public static ImportTable Read(string fileName, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length > MaxBytes)
        {
            throw new ImportFileException($"{Path.GetFileName(fileName)} is larger than {MaxBytes / 1024 / 1024} MB.");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var (headers, rows) = extension switch
        {
            ".csv" => ReadCsv(content),
            ".xlsx" => ReadXlsx(content),
            _ => throw new ImportFileException($"{Path.GetFileName(fileName)}: expected a .csv or .xlsx file."),
        };
        if (headers.Count == 0 || headers.All(string.IsNullOrWhiteSpace))
        {
            throw new ImportFileException($"{Path.GetFileName(fileName)}: row 1 must hold the column headers, and it is empty.");
        }
        return new ImportTable(Path.GetFileName(fileName), sha, headers, rows);
    }

    public static ImportTable Read(string path) => Read(path, File.ReadAllBytes(path));

    static (List<string>, List<ImportRow>) ReadCsv(byte[] content)
    {
        // Blank lines still count: the row numbers are the ones the school sees when it opens the file.
        var options = new global::CsvHelper.CsvReaderOptions { HasHeader = false, SkipEmptyLines = false };
        using var reader = global::CsvHelper.CsvReader.Create(content, options);
        List<string> headers = [];
        List<ImportRow> rows = [];
        var number = 0;
        while (reader.Read())
        {
            number++;
            var record = Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToList();
            if (number == 1)
            {
                headers = [.. record.Select(h => h.Trim().TrimStart('\uFEFF').Trim())];
                continue;
            }
            var row = new ImportRow(number, [.. record.Select(c => new ImportCell(c))]);
            if (!row.Cells.All(c => c.IsBlank))
            {
                rows.Add(row);
            }
        }
        return (headers, rows);
    }

    static (List<string>, List<ImportRow>) ReadXlsx(byte[] content)
    {
        XLWorkbook workbook;
        try
        {
            workbook = new XLWorkbook(new MemoryStream(content));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImportFileException($"The file is not a workbook Excel can open ({e.GetType().Name}).");
        }
        using (workbook)
        {
            var sheet = workbook.Worksheets.First();
            var used = sheet.RangeUsed();
            if (used is null)
            {
                return ([], []);
            }
            var lastColumn = used.LastColumn().ColumnNumber();
            var lastRow = used.LastRow().RowNumber();
            List<string> headers = [.. Enumerable.Range(1, lastColumn).Select(c => sheet.Cell(1, c).GetString().Trim())];
            List<ImportRow> rows = [];
            for (var r = 2; r <= lastRow; r++)
            {
                var row = new ImportRow(r, [.. Enumerable.Range(1, lastColumn).Select(c => Cell(sheet.Cell(r, c)))]);
                if (!row.Cells.All(c => c.IsBlank))
                {
                    rows.Add(row);
                }
            }
            return (headers, rows);
        }
    }

    static ImportCell Cell(IXLCell cell) => cell.DataType switch
    {
        XLDataType.DateTime => new ImportCell(cell.GetDateTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cell.GetDateTime()),
        XLDataType.Number => new ImportCell(cell.GetDouble().ToString(CultureInfo.InvariantCulture)),
        _ => new ImportCell(cell.GetString()),
    };
}

/// <summary>The file cannot be read as a table at all (not a row's error).</summary>
public sealed class ImportFileException(string message) : Exception(message);
