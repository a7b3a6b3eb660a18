using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace ComplianceLedger.Api.EvidencePacks.Report;

/// <summary>
/// report.pdf: the report's blocks drawn with PDFsharp on landscape A4, tables as text in columns that wrap,
/// a table's header repeated after a page break, and a running footer (school, period, page n of m).
/// </summary>
public static class ReportPdf
{
    const double Margin = 40, FooterHeight = 24, CellPad = 3;

    /// <summary>A cell taller than this many lines is cut (the HTML and the CSVs hold the whole text).</summary>
    const int MaxCellLines = 30;

    public static byte[] Write(ReportData data)
    {
        LiberationFonts.Install();
        using var document = new PdfDocument();
        document.Info.Title = $"{ReportContent.Title(data.Request)}, {ReportContent.Period(data.Request)}";
        document.Info.Author = "ComplianceLedger";
        document.Info.Subject = "Evidence pack report";
        using (var canvas = new Canvas(document))
        {
            foreach (var block in ReportContent.Build(data, pdf: true))
            {
                canvas.Draw(block);
            }
        }
        Footers(document, data.Request);
        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

    static void Footers(PdfDocument document, ReportRequest request)
    {
        var font = new XFont(LiberationFonts.Family, 8, XFontStyleEx.Regular);
        var left = $"{request.SchoolName}, {ReportContent.Period(request)}";
        for (var i = 0; i < document.PageCount; i++)
        {
            var page = document.Pages[i];
            using var g = XGraphics.FromPdfPage(page, XGraphicsPdfPageOptions.Append);
            var y = page.Height.Point - Margin + 8;
            g.DrawLine(XPens.Gray, Margin, y - 4, page.Width.Point - Margin, y - 4);
            g.DrawString(left, font, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
            var number = $"Page {i + 1} of {document.PageCount}";
            var width = g.MeasureString(number, font).Width;
            g.DrawString(number, font, XBrushes.Black, new XPoint(page.Width.Point - Margin - width, y), XStringFormats.TopLeft);
        }
    }

    /// <summary>The page being drawn on and where the next line goes.</summary>
    sealed class Canvas(PdfDocument document) : IDisposable
    {
        readonly XFont title = new(LiberationFonts.Family, 20, XFontStyleEx.Bold);
        readonly XFont h2 = new(LiberationFonts.Family, 15, XFontStyleEx.Bold);
        readonly XFont h3 = new(LiberationFonts.Family, 12, XFontStyleEx.Bold);
        readonly XFont body = new(LiberationFonts.Family, 10, XFontStyleEx.Regular);
        readonly XFont bold = new(LiberationFonts.Family, 10, XFontStyleEx.Bold);
        readonly XFont mono = new(LiberationFonts.MonoFamily, 8.5, XFontStyleEx.Regular);
        readonly XFont cell = new(LiberationFonts.Family, 8, XFontStyleEx.Regular);
        readonly XFont cellBold = new(LiberationFonts.Family, 8, XFontStyleEx.Bold);
        XGraphics? g;
        PdfPage? page;
        double y;
        bool blank = true;

        double Width => page!.Width.Point - 2 * Margin;

        double Bottom => page!.Height.Point - Margin - FooterHeight;

        public void Dispose() => g?.Dispose();

        void NewPage()
        {
            g?.Dispose();
            page = document.AddPage();
            page.Size = PageSize.A4;
            page.Orientation = PageOrientation.Landscape;
            g = XGraphics.FromPdfPage(page);
            y = Margin;
            blank = true;
        }

        /// <summary>Room for <paramref name="height"/> more points on this page, or a new page.</summary>
        void Need(double height)
        {
            if (page is null || (y + height > Bottom && !blank))
            {
                NewPage();
            }
        }

        public void Draw(Block block)
        {
            switch (block)
            {
                case Block.Heading h:
                    if (page is null || (h.NewPage && !blank))
                    {
                        NewPage();
                    }
                    var font = h.Level switch { 1 => title, 2 => h2, _ => h3 };
                    Need(font.Size * 3);
                    y += blank ? 0 : font.Size * 0.6;
                    Lines(h.Text, font, Margin, Width);
                    y += 4;
                    break;
                case Block.Paragraph p:
                    Lines(p.Text, body, Margin, Width);
                    y += 6;
                    break;
                case Block.Preformatted p:
                    foreach (var line in p.Text.Split('\n'))
                    {
                        Lines(line.TrimEnd('\r'), mono, Margin + 10, Width - 20);
                    }
                    y += 6;
                    break;
                case Block.Facts f:
                    foreach (var (label, value) in f.Rows)
                    {
                        var wrapped = Wrap(value, body, Width - 170);
                        Need(wrapped.Count * Line(body));
                        g!.DrawString(label, bold, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                        foreach (var line in wrapped)
                        {
                            g.DrawString(line, body, XBrushes.Black, new XPoint(Margin + 170, y), XStringFormats.TopLeft);
                            y += Line(body);
                        }
                        y += 3;
                    }
                    y += 6;
                    blank = false;
                    break;
                case Block.Table t:
                    Table(t);
                    break;
            }
        }

        static double Line(XFont font) => font.Size * 1.25;

        void Lines(string text, XFont font, double x, double width)
        {
            foreach (var line in Wrap(text, font, width))
            {
                Need(Line(font));
                g!.DrawString(line, font, XBrushes.Black, new XPoint(x, y), XStringFormats.TopLeft);
                y += Line(font);
                blank = false;
            }
        }

        void Table(Block.Table t)
        {
            var total = t.Widths.Sum();
            var widths = t.Widths.Select(w => w / total * Width).ToArray();
            Need(Line(h3) + 3 * Line(cell));
            g!.DrawString(t.Caption, bold, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
            y += Line(bold) + 2;
            blank = false;
            Header(t, widths);
            foreach (var row in t.Rows)
            {
                var cells = row.Select((text, i) => Cut(Wrap(text, cell, widths[i] - 2 * CellPad))).ToArray();
                var height = cells.Max(c => Math.Max(1, c.Count)) * Line(cell) + 2 * CellPad;
                if (y + height > Bottom)
                {
                    NewPage();
                    Header(t, widths);
                }
                Row(cells, widths, cell, height);
            }
            y += 10;
        }

        void Header(Block.Table t, double[] widths)
        {
            var cells = t.Headers.Select((text, i) => Wrap(text, cellBold, widths[i] - 2 * CellPad)).ToArray();
            var height = cells.Max(c => c.Count) * Line(cellBold) + 2 * CellPad;
            g!.DrawRectangle(XBrushes.WhiteSmoke, Margin, y, Width, height);
            Row(cells, widths, cellBold, height);
            blank = false;
        }

        void Row(List<string>[] cells, double[] widths, XFont font, double height)
        {
            var x = Margin;
            for (var i = 0; i < cells.Length; i++)
            {
                var lineY = y + CellPad;
                foreach (var line in cells[i])
                {
                    g!.DrawString(line, font, XBrushes.Black, new XPoint(x + CellPad, lineY), XStringFormats.TopLeft);
                    lineY += Line(font);
                }
                x += widths[i];
            }
            y += height;
            g!.DrawLine(XPens.LightGray, Margin, y, Margin + Width, y);
            blank = false;
        }

        static List<string> Cut(List<string> lines)
        {
            if (lines.Count > MaxCellLines)
            {
                lines.RemoveRange(MaxCellLines, lines.Count - MaxCellLines);
                lines[^1] += " …";
            }
            return lines;
        }

        /// <summary>The text in lines no wider than <paramref name="width"/>, broken at spaces, or within a word too long for a line.</summary>
        List<string> Wrap(string text, XFont font, double width)
        {
            var lines = new List<string>();
            if (string.IsNullOrEmpty(text))
            {
                lines.Add("");
                return lines;
            }
            var measure = g ?? throw new InvalidOperationException("No page to measure on.");
            if (measure.MeasureString(text, font).Width <= width)
            {
                lines.Add(text);
                return lines;
            }
            var current = "";
            foreach (var word in text.Split(' '))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (measure.MeasureString(candidate, font).Width <= width)
                {
                    current = candidate;
                    continue;
                }
                if (current.Length > 0)
                {
                    lines.Add(current);
                }
                current = word;
                while (current.Length > 1 && measure.MeasureString(current, font).Width > width)
                {
                    var fit = current.Length - 1;
                    while (fit > 1 && measure.MeasureString(current[..fit], font).Width > width)
                    {
                        fit = Math.Max(1, fit * 3 / 4);
                    }
                    // Grow back to the widest prefix that fits.
                    while (fit + 1 < current.Length && measure.MeasureString(current[..(fit + 1)], font).Width <= width)
                    {
                        fit++;
                    }
                    lines.Add(current[..fit]);
                    current = current[fit..];
                }
            }
            lines.Add(current);
            return lines;
        }
    }
}
