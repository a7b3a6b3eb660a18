using PdfSharp.Fonts;

namespace ComplianceLedger.Api.EvidencePacks.Report;

/// <summary>
/// Liberation Sans (and Mono, for the digest) from Debian's fonts-liberation2 for every face PDFsharp asks for: the container has no
/// other fonts, and these are metric-compatible with Arial, so the report reads the same everywhere.
/// </summary>
public sealed class LiberationFonts : IFontResolver
{
    public const string Family = "Liberation Sans";

    public const string Folder = "/usr/share/fonts/truetype/liberation2";

    static readonly Lock Gate = new();

    readonly Dictionary<string, byte[]> faces = new(StringComparer.Ordinal);

    /// <summary>Installs the resolver once per process (PDFsharp's resolver is global).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not LiberationFonts)
            {
                GlobalFontSettings.FontResolver = new LiberationFonts();
            }
        }
    }

    /// <summary>The monospaced face, for the digest.</summary>
    public const string MonoFamily = "Liberation Mono";

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new($"{(familyName == MonoFamily ? "LiberationMono" : "LiberationSans")}-{(bold, italic) switch
        {
            (true, true) => "BoldItalic",
            (true, false) => "Bold",
            (false, true) => "Italic",
            _ => "Regular",
        }}");

    public byte[]? GetFont(string faceName)
    {
        lock (faces)
        {
            if (!faces.TryGetValue(faceName, out var bytes))
            {
                var path = Path.Combine(Folder, faceName + ".ttf");
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"The report's font {faceName} is missing: install Debian's fonts-liberation2 ({Folder}).", path);
                }
                faces[faceName] = bytes = File.ReadAllBytes(path);
            }
            return bytes;
        }
    }
}
