using System.Text.RegularExpressions;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// What counts as a secret in a text value. Ordinary school sentences must pass ("reset the class
/// blog password next term", "the PIN pad in reception is broken", "Maria Pinto", "KeePass:
/// Comms/Facebook"), so a secret word alone is never enough: it must be followed by a value.
/// Refused:
/// <list type="bullet">
/// <item>a password word (password, passwd, pwd, passcode, passphrase, API key…) followed by a
/// value, after ":" or "=" or "is"/"was" (unless the next word is ordinary English or a vault's
/// name: "the password is kept in KeePass"), or directly when the value looks like one
/// ("password Hunter2": letters and digits, symbols, or quoted); also "Hunter2 is the password";</item>
/// <item>the weaker words (pass, pw, secret, token, bearer) only with a value that looks like one;</item>
/// <item>a PIN or one-time code: pin, code, otp… followed (within a few words) by 4 to 8 digits;</item>
/// <item>user:password pairs (pe@school.uk:Hunter2, admin:Summer2024!, https://pe:x@host);</item>
/// <item>long random-looking tokens: JWTs, known key prefixes (sk_live_, ghp_, AKIA…), hex or
/// base64 blobs, and any long run whose characters switch class like random text does. The
/// paths of web addresses are not inspected (an account's URL may carry a channel id), but
/// their user names, passwords and secret-named query parameters are.</item>
/// </list>
/// A hash in a member that carries one (<c>documentSha256</c>, <c>…Hash</c>) and a whole-value
/// GUID (an id) pass by field and format.
/// </summary>
public static partial class SecretGuard
{
    /// <summary>Whether the text looks like it carries a secret. <paramref name="field"/> is the member it came in, if any.</summary>
    public static bool LooksLikeSecret(string text, string? field = null)
    {
        var value = text.Trim();
        if (value.Length == 0)
        {
            return false;
        }
        if (IsHashField(field) && HashValue().IsMatch(value))
        {
            return false;
        }
        if (Guid.TryParseExact(value, "D", out _))
        {
            return false;
        }
        if (IsCodeName(field) && PinValue().IsMatch(value))
        {
            return true;
        }
        if (PrivateKeyBlock().IsMatch(text) || Jwt().IsMatch(text) || KnownKeyPrefix().IsMatch(text))
        {
            return true;
        }
        var rest = GuidPattern().Replace(text, " ");
        if (UrlCarriesSecret(rest))
        {
            return true;
        }
        rest = UrlPattern().Replace(rest, " ");
        // Words and pairs need a secret word's stem, or a ":" or "@"; most text has neither, and
        // a hostile megabyte of words is not split into tokens for nothing.
        var words = WordStems.Any(stem => rest.Contains(stem, StringComparison.OrdinalIgnoreCase));
        var pairs = rest.Contains(':') || rest.Contains('@');
        if (words || pairs)
        {
            var tokens = Tokenize(rest);
            if (words && SaysSecret(tokens) || pairs && HasCredentialPair(tokens))
            {
                return true;
            }
        }
        return HasRandomToken(rest);
    }

    /// <summary>Every secret word of <see cref="KindOfOne"/> contains one of these.</summary>
    static readonly string[] WordStems = ["pass", "pw", "pin", "code", "otp", "token", "secret", "bearer", "key"];

    static bool IsHashField(string? field) => field is not null
        && (field.EndsWith("sha256", StringComparison.OrdinalIgnoreCase) || field.EndsWith("hash", StringComparison.OrdinalIgnoreCase)
            || field.EndsWith("digest", StringComparison.OrdinalIgnoreCase) || field.EndsWith("checksum", StringComparison.OrdinalIgnoreCase));

    // ---- Words followed by values -------------------------------------------------------------

    enum Kind
    {
        None,
        Password,
        Weak,
        Code,
    }

    enum Connector
    {
        None,
        Is,
        Colon,
    }

    /// <summary>A word of the text: its core (quotes, brackets and trailing punctuation removed), lower-cased too.</summary>
    readonly record struct Token(string Core, string Lower, bool Quoted, bool OpensQuote, bool Colon, bool EndsSentence);

    static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var part in word.Contains('&') ? word.Split('&', StringSplitOptions.RemoveEmptyEntries) : [word])
            {
                // "password=Hunter2", "pass:Hunter2", "{pwd:x}": a secret word glued to its value.
                var glue = part.IndexOfAny([':', '=']);
                if (glue > 0 && glue < part.Length - 1 && KindOf(Make(part[..glue])) is not Kind.None)
                {
                    tokens.Add(Make(part[..(glue + 1)]));
                    tokens.Add(Make(part[(glue + 1)..]));
                }
                else
                {
                    tokens.Add(Make(part));
                }
            }
        }
        return tokens;
    }

    static Token Make(string raw)
    {
        var span = raw.AsSpan();
        var tail = span.TrimEnd("\"')]’”");
        var endsSentence = tail.Length > 0 && tail[^1] == '.' && !VersionLike().IsMatch(tail[..^1])
            || span.Length > 0 && span[^1] is ';' or '!' or '?';
        var trimmed = span.TrimEnd(".,;!?)]}>");
        var colon = trimmed.Length > 0 && trimmed[^1] is ':' or '=';
        trimmed = trimmed.TrimEnd(":=");
        var opens = trimmed.Length >= 2 && IsQuote(trimmed[0]);
        var quoted = opens && IsQuote(trimmed[^1]);
        var core = trimmed.Trim("\"'“”‘’([{<)]}>*`");
        // A lone connector ("=", "->", "-") stays as itself.
        var text = core.Length == 0 ? raw.Trim() : core.Length == raw.Length ? raw : core.ToString();
        return new Token(text, text.ToLowerInvariant(), quoted, opens, colon, endsSentence);
    }

    static bool IsQuote(char c) => c is '"' or '\'' or '“' or '”' or '‘' or '’' or '`';

    static Kind KindOfWord(string lower)
    {
        var kind = KindOfOne(lower);
        if (kind is Kind.None && lower.LastIndexOfAny(['-', '_', '.']) is var cut and > 0 && cut < lower.Length - 1)
        {
            // "x-password", "db.password", "user_pwd"
            kind = KindOfOne(lower[(cut + 1)..]);
        }
        return kind;
    }

    static Kind KindOfOne(string lower) => lower switch
    {
        "password" or "passwords" or "passwd" or "pwd" or "passcode" or "passcodes" or "passphrase" or "passphrases"
            or "apikey" or "api_key" or "api-key" or "secretkey" or "secret_key" or "privatekey" or "clientsecret" or "client_secret" => Kind.Password,
        "pass" or "pw" or "secret" or "secrets" or "token" or "tokens" or "bearer" => Kind.Weak,
        "pin" or "pins" or "pincode" or "otp" or "totp" or "hotp" or "code" or "codes" => Kind.Code,
        _ => Kind.None,
    };

    /// <summary>The kind of secret word at i, and the index of its last token ("api key", "pin number", "client secret").</summary>
    static (Kind Kind, int End) WordAt(List<Token> t, int i)
    {
        var lower = t[i].Lower;
        if (i + 1 < t.Count && !t[i].Colon)
        {
            var next = t[i + 1].Lower;
            if (lower is "api" or "access" or "private" or "secret" or "licence" or "license" or "product" && next is "key" or "keys")
            {
                return (Kind.Password, i + 1);
            }
            if (lower is "client" && next is "secret" or "secrets")
            {
                return (Kind.Password, i + 1);
            }
            if (lower is "pin" or "pass" && next is "number" or "code" or "no")
            {
                return (Kind.Code, i + 1);
            }
        }
        return (KindOf(t[i]), i);
    }

    /// <summary>A secret word, or a word named like one ("mypassword", "PINpad") that is not a vault's name.</summary>
    static Kind KindOf(Token token) =>
        KindOfWord(token.Lower) is not Kind.None and var kind ? kind
        : IsSecretName(token.Core) && !OrdinaryWords.Contains(token.Lower) ? Kind.Password
        : Kind.None;

    /// <summary>Where the value after the word at <paramref name="end"/> starts, and what joins them.</summary>
    static (int Value, Connector Connector) ValueAfter(List<Token> t, int end)
    {
        if (t[end].Colon)
        {
            return (end + 1, Connector.Colon);
        }
        var j = end + 1;
        if (j >= t.Count)
        {
            return (j, Connector.None);
        }
        if (t[j].Lower is ":" or "=" or "->" or "=>" or "-" or "–" or "—" or "is:" || t[j].Colon && t[j].Lower is "is" or "was")
        {
            return (j + 1, Connector.Colon);
        }
        if (t[j].Lower is "is" or "was" or "becomes" or "became")
        {
            var k = j + 1;
            while (k < t.Count && t[k].Lower is "now" or "still" or "currently" or "just" or "simply" or "actually")
            {
                k++;
            }
            if (k + 1 < t.Count && t[k].Lower is "set" or "changed" or "reset" or "updated" && t[k + 1].Lower == "to")
            {
                k += 2;
            }
            return (k, Connector.Is);
        }
        if (j + 1 < t.Count && t[j].Lower is "set" or "changed" or "reset" or "updated" && t[j + 1].Lower == "to")
        {
            return (j + 2, Connector.Is);
        }
        return (j, Connector.None);
    }

    static bool SaysSecret(List<Token> t)
    {
        for (var i = 0; i < t.Count; i++)
        {
            var (kind, end) = WordAt(t, i);
            if (kind is Kind.None)
            {
                continue;
            }
            if (Follows(t, i, end, kind) || Precedes(t, i, kind) || Ahead(t, end, kind))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The value right after the word: "password: x", "password is x", "password Hunter2", "PIN 4821".</summary>
    static bool Follows(List<Token> t, int i, int end, Kind kind)
    {
        var (v, connector) = ValueAfter(t, end);
        if (v >= t.Count || t[end].EndsSentence)
        {
            return false;
        }
        var value = t[v];
        if (kind is not Kind.Weak && DigitCode(t, v))
        {
            return true;
        }
        return kind switch
        {
            Kind.Code => false,
            Kind.Password => connector switch
            {
                Connector.None => Credentialish(value) || value.Quoted || (AfterLogin(t, i) && !Ordinary(value)),
                _ => Credentialish(value) || value.OpensQuote || !Ordinary(value),
            },
            _ => connector switch
            {
                Connector.Colon => Credentialish(value) || value.Quoted || !Ordinary(value),
                Connector.Is => Credentialish(value) || value.Quoted,
                _ => Credentialish(value) && !AllDigits(value.Core),
            },
        };
    }

    /// <summary>"Hunter2 is the password", "4821 is the door code".</summary>
    static bool Precedes(List<Token> t, int i, Kind kind)
    {
        var j = i - 1;
        for (var skipped = 0; j >= 0 && skipped < 2 && t[j].Lower is not ("is" or "was"); skipped++)
        {
            j--;
        }
        if (j < 1 || t[j].Lower is not ("is" or "was") || t[j - 1].EndsSentence)
        {
            return false;
        }
        var value = t[j - 1];
        return kind is Kind.Code ? DigitCode(t, j - 1) : Credentialish(value) && kind is Kind.Password or Kind.Weak;
    }

    /// <summary>
    /// A value a few words on, after "is", ":" or "=": "my password for the class account is
    /// Hunter2", "the PIN for the office door is 4821". Only values that look like secrets count
    /// here, so "the password for the blog is changed termly" passes.
    /// </summary>
    static bool Ahead(List<Token> t, int end, Kind kind)
    {
        for (var k = end + 1; k < t.Count && k <= end + 6 && !t[k - 1].EndsSentence; k++)
        {
            var colon = t[k].Colon;
            if (!colon && t[k].Lower is not ("is" or "was" or ":" or "="))
            {
                continue;
            }
            var v = colon && t[k].Lower is not ("is" or "was") ? k + 1 : ValueAfterIs(t, k);
            if (v >= t.Count || t[k].EndsSentence)
            {
                return false;
            }
            return kind is Kind.Code ? DigitCode(t, v) : Credentialish(t[v]) || t[v].Quoted;
        }
        return false;
    }

    static int ValueAfterIs(List<Token> t, int k)
    {
        k++;
        while (k < t.Count && t[k].Lower is "now" or "still" or "currently" or "just")
        {
            k++;
        }
        return k;
    }

    static bool AfterLogin(List<Token> t, int i)
    {
        for (var j = Math.Max(0, i - 6); j < i; j++)
        {
            if (t[j].Lower is "login" or "log-in" or "logon" or "username" or "user" or "userid" or "user-name")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>4 to 8 digits ("483920"), or two groups of 3 or 4 ("483 920", "483-920").</summary>
    static bool DigitCode(List<Token> t, int v)
    {
        var core = t[v].Core;
        if (DigitGroups().IsMatch(core))
        {
            return true;
        }
        return core.Length is 3 or 4 && AllDigits(core) && v + 1 < t.Count && !t[v].EndsSentence
            && t[v + 1].Core.Length is 3 or 4 && AllDigits(t[v + 1].Core);
    }

    /// <summary>Looks like a password rather than a word: letters and digits mixed, 4+ digits, or symbols. Not a date, time, version or amount.</summary>
    static bool Credentialish(Token token)
    {
        var c = token.Core;
        if (c.Length < 4 || NotASecret().IsMatch(c))
        {
            return false;
        }
        var (letter, digit, symbol) = (c.Any(char.IsLetter), c.Any(char.IsAsciiDigit), c.Any(ch => "!@#$%^&*=?~|\\<>".Contains(ch)));
        return AllDigits(c) && c.Length <= 16 || letter && digit || symbol && (letter || digit);
    }

    static bool AllDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    /// <summary>A word that may follow "the password is" in an ordinary sentence, or a vault's name.</summary>
    static bool Ordinary(Token token)
    {
        var w = token.Lower;
        if (w.Length == 0 || w.Any(c => !(char.IsLetter(c) || c is '\'' or '’' or '-')))
        {
            return false;
        }
        return OrdinaryWords.Contains(w) || OrdinaryEndings.Any(e => w.Length > e.Length + 2 && w.EndsWith(e, StringComparison.Ordinal));
    }

    static readonly string[] OrdinaryEndings = ["ed", "ing", "ly", "able", "ible", "ful", "less", "ous", "ive", "ent", "ant", "ion", "ity", "ness", "ment", "'s", "’s"];

    static readonly HashSet<string> OrdinaryWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "was", "were", "my", "our", "your", "his", "her", "their", "its", "this", "that", "these", "those", "it", "not", "never",
        "now", "still", "also", "only", "just", "being", "been", "be", "kept", "held", "known", "shown", "written", "given", "taken",
        "sent", "set", "due", "in", "on", "at", "with", "by", "for", "from", "to", "of", "under", "inside", "within", "into", "over",
        "unknown", "secure", "safe", "strong", "weak", "long", "short", "new", "old", "same", "different", "correct", "wrong",
        "invalid", "valid", "missing", "lost", "out", "up", "down", "hidden", "private", "personal", "too", "very", "much", "easy",
        "hard", "simple", "complex", "fine", "ok", "okay", "here", "there", "elsewhere", "what", "which", "who", "whom", "where",
        "when", "how", "why", "all", "any", "some", "no", "none", "one", "two", "each", "every", "either", "neither", "both", "and",
        "or", "but", "so", "if", "as", "than", "then", "because", "since", "until", "after", "before", "during", "about", "again",
        "same", "longer", "shorter", "stronger", "weaker", "safer", "better", "worse", "harder", "easier", "newer", "older", "other",
        "another", "such", "more", "less", "most", "least", "few", "many", "several", "see", "ask", "held", "got", "get", "gets",
        "go", "goes", "gone", "went", "made", "make", "reset", "changes", "change", "expires", "expire", "needs", "need", "has",
        "have", "had", "will", "would", "should", "must", "may", "might", "can", "could", "shall", "do", "does", "did", "done",
        "yet", "already", "always", "sometimes", "often", "soon", "later", "today", "tomorrow", "yesterday", "term", "termly",
        "weekly", "monthly", "yearly", "annually", "right", "left", "lodged", "stored", "saved", "shared", "changed", "rotated",
        "expired", "required", "needed", "compromised", "forgotten", "managed", "protected", "sealed", "encrypted", "secret",
        "confidential", "available", "unavailable", "mr", "mrs", "ms", "miss", "dr", "sir", "mx", "please", "tbc", "n/a", "na",
        "none", "nil", "blank", "empty", "unchanged", "pending", "required", "optional", "separate", "separately", "elsewhere",
        // Where a login is kept: vault references name them.
        "keepass", "keepassxc", "1password", "bitwarden", "lastpass", "dashlane", "vault", "envelope", "locker", "cabinet", "drawer",
        "office", "head", "headteacher", "dsl", "slt", "bursar", "business", "school", "school's", "trust", "leadership", "entry",
        "item", "folder", "record",
    };

    // ---- user:password pairs ----------------------------------------------------------------

    static bool HasCredentialPair(List<Token> t)
    {
        for (var i = 0; i < t.Count; i++)
        {
            var c = t[i].Core;
            var colon = c.IndexOf(':');
            if (colon > 0 && colon < c.Length - 1)
            {
                var (left, right) = (c[..colon], c[(colon + 1)..]);
                if (Email().IsMatch(left) && !right.StartsWith('/'))
                {
                    return true;
                }
                if (PairLeft().IsMatch(left) && !PairLabels.Contains(left.ToLowerInvariant()) && PairRight(left, right))
                {
                    return true;
                }
            }
            var slash = c.IndexOf('/');
            if (slash > 0 && slash < c.Length - 1 && Email().IsMatch(c[..slash]) && Credentialish(Make(c[(slash + 1)..])))
            {
                return true;
            }
            // "pe@school.uk / Hunter2", "brookfield_pe / Hunter2!"
            if (i + 2 < t.Count && t[i + 1].Core is "/" or "|" or ":"
                && (Email().IsMatch(c) && Credentialish(t[i + 2]) || Handle().IsMatch(c) && StrongValue(t[i + 2].Core)))
            {
                return true;
            }
        }
        return false;
    }

    static bool PairRight(string left, string right) =>
        StrongValue(right) || right.Any(char.IsLower) && right.Any(char.IsAsciiDigit) && right.Length >= 4 && !right.Contains('/')
            && !right.Contains(':') && !NotASecret().IsMatch(right) && !Guid.TryParseExact(right, "D", out _)
            && left.All(ch => char.IsLower(ch) || ch is '.' or '_' or '-');

    /// <summary>Upper and lower case letters and digits, or a symbol: a password's shape, not a reference's ("RA-SOC-01").</summary>
    static bool StrongValue(string value)
    {
        if (value.Length < 4 || value.Contains('/') || value.Contains(':') || NotASecret().IsMatch(value) || Guid.TryParseExact(value, "D", out _))
        {
            return false;
        }
        var (upper, lower, digit) = (value.Any(char.IsUpper), value.Any(char.IsLower), value.Any(char.IsAsciiDigit));
        return upper && lower && digit || value.Any(ch => "!@#$%^&*=?~|\\<>".Contains(ch)) && (upper || lower || digit);
    }

    /// <summary>Words before a colon that label what follows rather than name a user.</summary>
    static readonly HashSet<string> PairLabels = new(StringComparer.Ordinal)
    {
        "ref", "reference", "room", "item", "entry", "folder", "note", "notes", "see", "time", "date", "tel", "phone", "mailto", "urn", "isbn",
        "doi", "person", "system", "v", "version", "policy", "ra", "keepass", "keepassxc", "1password", "bitwarden", "lastpass", "dashlane",
        "vault", "safe", "year", "class", "term", "week", "day", "page", "section", "para", "step", "id", "case", "incident", "account",
        "school", "trust", "custody", "credential-sharing", "acknowledgements", "exception", "policy", "stream",
    };

    // ---- Web addresses ----------------------------------------------------------------------

    static bool UrlCarriesSecret(string text)
    {
        foreach (Match url in UrlPattern().Matches(text))
        {
            var u = url.Value;
            var start = u.IndexOf("://", StringComparison.Ordinal) is var s and >= 0 ? s + 3 : 0;
            var end = u.IndexOfAny(['/', '?', '#'], start);
            var authority = end < 0 ? u[start..] : u[start..end];
            var at = authority.LastIndexOf('@');
            if (at > 0 && authority[..at].Contains(':'))
            {
                return true;
            }
            var query = u.IndexOfAny(['?', '#']);
            if (query < 0)
            {
                continue;
            }
            foreach (var pair in u[(query + 1)..].Split(['&', '#', ';', '?'], StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && eq < pair.Length - 1)
                {
                    // Only by name: other parameters carry ids that look random (classId=5f8d0d55b547…).
                    // Keys and tokens of known shapes are found in the whole text anyway.
                    var name = Uri.UnescapeDataString(pair[..eq]);
                    if (IsSecretName(name) || SecretQueryNames.Contains(name.ToLowerInvariant()))
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static readonly HashSet<string> SecretQueryNames = new(StringComparer.Ordinal)
    {
        "key", "sig", "signature", "auth", "code", "session", "sessionid", "sid", "pass", "pw", "jwt", "x-amz-signature", "x-amz-credential",
        "credential", "credentials",
    };

    // ---- Random-looking tokens --------------------------------------------------------------

    static bool HasRandomToken(string text)
    {
        foreach (Match run in TokenRun().Matches(text))
        {
            if (IsRandom(run.Value))
            {
                return true;
            }
        }
        return false;
    }

    static bool IsRandom(string run)
    {
        int n = 0, upper = 0, lower = 0, digits = 0, switches = 0, letterDigit = 0;
        var previous = ' ';
        foreach (var c in run)
        {
            var kind = char.IsAsciiDigit(c) ? 'd' : char.IsAsciiLetterUpper(c) ? 'u' : char.IsAsciiLetterLower(c) ? 'l' : ' ';
            if (kind == ' ')
            {
                continue;
            }
            n++;
            (upper, lower, digits) = (upper + (kind == 'u' ? 1 : 0), lower + (kind == 'l' ? 1 : 0), digits + (kind == 'd' ? 1 : 0));
            if (previous != ' ' && previous != kind)
            {
                switches++;
                if (previous == 'd' || kind == 'd')
                {
                    letterDigit++;
                }
            }
            previous = kind;
        }
        var (letter, digit) = (upper + lower > 0, digits > 0);
        var hex = run.All(char.IsAsciiHexDigit);
        if (hex && run.Length >= 32 && letter && digit)
        {
            return true;
        }
        if (n < 16)
        {
            return false;
        }
        var ratio = switches / (double)(n - 1);
        var entropy = Entropy(run);
        if (run.EndsWith('=') && letter && digit && ratio >= 0.4)
        {
            return true;
        }
        if (n < 20)
        {
            return false;
        }
        return letter && digit && ratio >= 0.45 && entropy >= 3.5
            || letter && digit && letterDigit >= 5 && letterDigit >= 0.2 * n && entropy >= 3.3
            || upper > 0 && lower > 0 && digit && n >= 32 && ratio >= 0.3 && entropy >= 4.0
            || !digit && upper > 0 && lower > 0 && n >= 24 && ratio >= 0.5 && entropy >= 4.0;
    }

    static double Entropy(string s)
    {
        var counts = new Dictionary<char, int>();
        foreach (var c in s)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }
        return -counts.Values.Sum(k => k / (double)s.Length * Math.Log2(k / (double)s.Length));
    }

    // ---- Patterns ---------------------------------------------------------------------------

    [GeneratedRegex(@"^(?:[0-9]{4,8}|[0-9]{3,4}[- ][0-9]{3,4})$")]
    private static partial Regex DigitGroups();

    /// <summary>Dates, times, versions, amounts, ordinals and year ranges: digits that are not secrets.</summary>
    [GeneratedRegex(@"^(?:[0-9]{1,4}[-/.][0-9]{1,2}(?:[-/.][0-9]{1,4})?(?:T[0-9:.]+Z?)?|[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2})?(?:am|pm)?|v?[0-9]+(?:\.[0-9]+)+|[0-9]+(?:st|nd|rd|th|am|pm|s)|£[0-9]+(?:[.,][0-9]+)?|[0-9]+(?:[.,][0-9]+)?%)$",
        RegexOptions.IgnoreCase)]
    private static partial Regex NotASecret();

    [GeneratedRegex(@"^v?[0-9]+(?:\.[0-9]+)+$", RegexOptions.IgnoreCase)]
    private static partial Regex VersionLike();

    [GeneratedRegex(@"^(?:sha256:)?(?:[0-9a-fA-F]{32,128}|[A-Za-z0-9+/]{43}=)$")]
    private static partial Regex HashValue();

    [GeneratedRegex(@"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")]
    private static partial Regex Email();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")]
    private static partial Regex PairLeft();

    /// <summary>A user name with the marks of one: "@brookfield.pe", "brookfield_pe".</summary>
    [GeneratedRegex(@"^(?:@[A-Za-z0-9._]{2,30}|[A-Za-z0-9]+[._][A-Za-z0-9._]{1,30})$")]
    private static partial Regex Handle();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.)[^\s<>""']+", RegexOptions.NonBacktracking)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"[A-Za-z0-9+/=_-]{16,}")]
    private static partial Regex TokenRun();

    // Linear-time engine wherever a run is followed by more pattern: a hostile body must not make the guard slow.
    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----", RegexOptions.NonBacktracking)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", RegexOptions.NonBacktracking)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,})", RegexOptions.NonBacktracking)]
    private static partial Regex KnownKeyPrefix();
}
