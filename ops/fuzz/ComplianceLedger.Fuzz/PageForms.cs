using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace ComplianceLedger.Fuzz;

/// <summary>A field of a page's form as drawn: its name, kind, value and choices.</summary>
sealed record FormField(string Name, string Kind, string Value, IReadOnlyList<string> Choices);

/// <summary>A form found on a page, to be sent by the session that read it (its antiforgery token is that session's).</summary>
sealed record PageForm(int Session, string Page, string Action, string Method, IReadOnlyList<FormField> Fields)
{
    public const string Antiforgery = "__RequestVerificationToken";

    /// <summary>The form's operation, ids left out: one name for the same form on every person's page.</summary>
    public string Name => $"form {Method} {Shape(Action)}";

    public static string Shape(string url)
    {
        var path = url.Split('?')[0];
        return string.Join('/', path.Split('/').Select(s =>
            Guid.TryParse(s, out _) || long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? "*" : s));
    }

    public static IEnumerable<PageForm> Read(IDocument page, int session, string pageUrl)
    {
        foreach (var form in page.QuerySelectorAll("form").OfType<IHtmlFormElement>())
        {
            var action = form.GetAttribute("action");
            action = string.IsNullOrEmpty(action) ? pageUrl : action;
            if (!action.StartsWith('/') || action.StartsWith("//", StringComparison.Ordinal) || action.Contains("sign-out", StringComparison.Ordinal)
                || action.StartsWith("/dev/sign-in", StringComparison.Ordinal))
            {
                continue;
            }
            var fields = new List<FormField>();
            foreach (var element in form.QuerySelectorAll("input, select, textarea, button"))
            {
                var name = element.GetAttribute("name");
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }
                switch (element)
                {
                    case IHtmlSelectElement select:
                        var options = select.Options.Select(o => o.Value).ToList();
                        fields.Add(new FormField(name, "select", select.Value ?? "", options));
                        break;
                    case IHtmlTextAreaElement area:
                        fields.Add(new FormField(name, "textarea", area.Value, []));
                        break;
                    case IHtmlButtonElement button:
                        fields.Add(new FormField(name, "submit", button.Value, []));
                        break;
                    case IHtmlInputElement input:
                        var kind = input.Type.ToLowerInvariant();
                        if (kind is "radio" or "checkbox" && fields.FindIndex(f => f.Name == name && f.Kind == kind) is var at and >= 0)
                        {
                            fields[at] = fields[at] with { Choices = [.. fields[at].Choices, input.Value] };
                        }
                        else
                        {
                            fields.Add(new FormField(name, kind, input.Value, kind is "radio" or "checkbox" ? [input.Value] : []));
                        }
                        break;
                }
            }
            yield return new PageForm(session, pageUrl, action, string.Equals(form.Method, "post", StringComparison.OrdinalIgnoreCase) ? "POST" : "GET", fields);
        }
    }

    /// <summary>The form filled in: mostly plausibly, some fields hostile, sometimes the token dropped or the encoding wrong.</summary>
    public FuzzRequest Build(Hostile hostile, long n)
    {
        var roll = hostile.Random.Next(100);
        var mutation = roll switch
        {
            < 30 => "valid",
            < 65 => "fields",
            < 72 => "no-token",
            < 76 => "bad-token",
            < 82 => "duplicate",
            < 87 => "extra",
            < 93 => "content-type",
            < 96 => "bytes",
            _ => "method",
        };
        var values = new List<(string Name, string Value)>();
        foreach (var field in Fields)
        {
            var hostileField = mutation == "fields" && field.Kind != "hidden" && hostile.Chance(0.4);
            if (field.Name == Antiforgery)
            {
                if (mutation != "no-token")
                {
                    values.Add((field.Name, mutation == "bad-token" ? hostile.Pick<string>(["x", "", (field.Value.Length > 2 ? field.Value[..^2] : "") + "AA", field.Value + field.Value]) : field.Value));
                }
                continue;
            }
            if (hostileField)
            {
                values.Add((field.Name, hostile.Text(n)));
                continue;
            }
            switch (field.Kind)
            {
                case "checkbox":
                    foreach (var choice in field.Choices.Where(_ => hostile.Chance(0.5)))
                    {
                        values.Add((field.Name, choice));
                    }
                    break;
                case "radio" or "select":
                    if (field.Choices.Count > 0)
                    {
                        values.Add((field.Name, hostile.Pick(field.Choices)));
                    }
                    break;
                case "submit":
                    if (hostile.Chance(0.5))
                    {
                        values.Add((field.Name, field.Value));
                    }
                    break;
                case "hidden":
                    values.Add((field.Name, field.Value));
                    break;
                default:
                    values.Add((field.Name, Plausible(field, hostile, n)));
                    break;
            }
        }
        if (mutation == "duplicate" && values.Count > 0)
        {
            values.Add((hostile.Pick(values).Name, hostile.Text(n)));
        }
        if (mutation == "extra")
        {
            values.Add((hostile.Pick<string>(["personId", "tenant", "urn", "actor", "__proto__", "a[b]", "x.y"]), hostile.Text(n)));
        }
        var encoded = string.Join('&', values.Select(v => $"{Hostile.Encode(v.Name)}={Hostile.Encode(v.Value)}"));
        if (mutation == "bytes")
        {
            encoded += "&" + hostile.Pick<string>(["%FF%FE%00=1", "name=%C3%28", "%ED%A0%80=%ED%A0%80", "=", "&&&", "a=%", "%zz=1"]);
        }
        var method = mutation == "method" ? (Method == "POST" ? HttpMethod.Get : HttpMethod.Post) : new HttpMethod(Method);
        if (method == HttpMethod.Get)
        {
            var separator = Action.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            return new FuzzRequest(Name, method, encoded.Length == 0 ? Action : $"{Action}{separator}{encoded}", mutation);
        }
        var contentType = "application/x-www-form-urlencoded";
        var body = Encoding.UTF8.GetBytes(encoded);
        if (mutation == "content-type")
        {
            contentType = hostile.Pick<string>(["application/json", "text/plain", "multipart/form-data; boundary=fuzz", "application/x-www-form-urlencoded; charset=utf-16", ""]);
            if (contentType == "application/json")
            {
                var json = new JsonObject();
                foreach (var (name, value) in values)
                {
                    json[name] = value;
                }
                body = Encoding.UTF8.GetBytes(json.ToJsonString());
            }
        }
        return new FuzzRequest(Name, method, Action, mutation) { Body = body, ContentType = contentType.Length == 0 ? null : contentType };
    }

    static string Plausible(FormField field, Hostile hostile, long n)
    {
        var name = field.Name.ToLowerInvariant();
        if (name.EndsWith("day", StringComparison.Ordinal) && !name.EndsWith("today", StringComparison.Ordinal))
        {
            return hostile.Random.Next(1, 29).ToString(CultureInfo.InvariantCulture);
        }
        if (name.EndsWith("month", StringComparison.Ordinal))
        {
            return hostile.Random.Next(1, 13).ToString(CultureInfo.InvariantCulture);
        }
        if (name.EndsWith("year", StringComparison.Ordinal))
        {
            return hostile.Random.Next(2025, 2028).ToString(CultureInfo.InvariantCulture);
        }
        if (field.Kind == "email" || name.Contains("email", StringComparison.Ordinal))
        {
            return $"fuzz{n}@test.sch.uk";
        }
        if (field.Kind is "number")
        {
            return hostile.Random.Next(0, 10).ToString(CultureInfo.InvariantCulture);
        }
        if (field.Kind is "url" || name.Contains("url", StringComparison.Ordinal) || name.Contains("link", StringComparison.Ordinal))
        {
            return $"https://example.test/fuzz/{n}";
        }
        if (field.Kind is "file")
        {
            return "fuzz.csv";
        }
        return hostile.Chance(0.15) && field.Value.Length > 0 ? field.Value : hostile.PlausibleText(n);
    }
}
