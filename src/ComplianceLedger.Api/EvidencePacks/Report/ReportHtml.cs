using System.Net;
using System.Text;

namespace ComplianceLedger.Api.EvidencePacks.Report;

/// <summary>report.html: the report's blocks as one self-contained page (inline styles, no script, nothing fetched), printable.</summary>
public static class ReportHtml
{
    const string Style = """
        body { font-family: "Liberation Sans", Arial, sans-serif; color: #0b0c0c; margin: 2rem; line-height: 1.4; }
        h1 { font-size: 2rem; } h2 { font-size: 1.5rem; margin-top: 2.5rem; border-top: 2px solid #0b0c0c; padding-top: 0.5rem; }
        h3 { font-size: 1.2rem; margin-top: 1.5rem; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.9rem; }
        caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
        th, td { border-bottom: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: #f3f2f1; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; } dt { font-weight: bold; } dd { margin: 0; word-break: break-all; }
        pre { white-space: pre-wrap; word-break: break-all; background: #f3f2f1; padding: 1rem; }
        nav ul { columns: 2; }
        @media print {
          body { margin: 0; font-size: 10pt; } nav { display: none; }
          h2 { break-before: page; } #digest { break-before: auto; }
          thead { display: table-header-group; } tr { break-inside: avoid; }
          a { color: inherit; text-decoration: none; }
        }
        """;

    public static byte[] Write(ReportData data)
    {
        var blocks = ReportContent.Build(data, pdf: false);
        var r = data.Request;
        var html = new StringBuilder(64 * 1024 + data.Trail.Count * 200);
        html.Append("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(ReportContent.Title(r))).Append(", ").Append(E(ReportContent.Period(r))).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n");
        var contents = blocks.OfType<Block.Heading>().Where(h => h.Level == 2 && h.Id is not null).ToList();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Block.Heading h:
                    html.Append("<h").Append(h.Level);
                    if (h.Id is not null)
                    {
                        html.Append(" id=\"").Append(E(h.Id)).Append('"');
                    }
                    html.Append('>').Append(E(h.Text)).Append("</h").Append(h.Level).Append(">\n");
                    if (h.Level == 1)
                    {
                        html.Append("<p>").Append(E(ReportContent.Period(r))).Append("</p>\n");
                    }
                    break;
                case Block.Paragraph p:
                    html.Append("<p>").Append(E(p.Text)).Append("</p>\n");
                    break;
                case Block.Preformatted p:
                    html.Append("<pre>").Append(E(p.Text)).Append("</pre>\n");
                    break;
                case Block.Facts f:
                    html.Append("<dl>\n");
                    foreach (var (label, value) in f.Rows)
                    {
                        html.Append("<dt>").Append(E(label)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");
                    }
                    html.Append("</dl>\n<nav aria-label=\"Contents\"><h2>Contents</h2><ul>\n");
                    foreach (var section in contents)
                    {
                        html.Append("<li><a href=\"#").Append(E(section.Id!)).Append("\">").Append(E(section.Text)).Append("</a></li>\n");
                    }
                    html.Append("</ul></nav>\n");
                    break;
                case Block.Table t:
                    Table(html, t);
                    break;
            }
        }
        html.Append("</main>\n<footer><p>").Append(E(r.SchoolName)).Append(", ").Append(E(ReportContent.Period(r)))
            .Append(". Generated ").Append(E(ReportContent.Instant(r.GeneratedAt))).Append(".</p></footer>\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    static void Table(StringBuilder html, Block.Table t)
    {
        html.Append("<table id=\"").Append(E(t.Id)).Append("\">\n<caption>").Append(E(t.Caption)).Append("</caption>\n<thead><tr>");
        foreach (var header in t.Headers)
        {
            html.Append("<th scope=\"col\">").Append(E(header)).Append("</th>");
        }
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in t.Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    static string E(string text) => WebUtility.HtmlEncode(text);
}
