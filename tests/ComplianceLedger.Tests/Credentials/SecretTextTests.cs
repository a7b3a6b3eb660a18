using System.Diagnostics;
using System.Text;
using ComplianceLedger.Api.Credentials;

namespace ComplianceLedger.Tests.Credentials;

/// <summary>
/// What the one guard takes for a secret in a text value, and what it must leave alone: every
/// string here is a value of a free-text member (a note, a reason, a vault reference).
/// </summary>
public sealed class SecretTextTests
{
    public static TheoryData<string> Secrets =>
    [
        // The reproductions.
        "The password is Hunter2",
        "My password is Hunter2 for the class account",
        "login: pe@school, pass: Hunter2",
        // A password word and its value, with or without ":", "=" or "is".
        "password: Hunter2",
        "Password=Hunter2",
        "pwd: hunter2",
        "passwd=letmein",
        "pw: Hunter2",
        "The Wi-Fi password is Brookfield2024",
        "new password Hunter2!",
        "password was changed to Spring#2025",
        "The password is now Tr0ub4dor&3",
        "pass Hunter2",
        "Username: pe_dept / Password: Hunter2",
        "The password is 'letmein'",
        "password is letmein",
        "Login with pe@school.uk and password Hunter2",
        "Hunter2 is the password",
        "The passphrase is Tr0ub4dor",
        "password for the class blog is Hunter2",
        "The password for Class Dojo is dojo2024",
        "username admin password admin",
        "Facebook login pe.brookfield@gmail.com password Hunter2",
        "Password: Summer24, lodged by the office",
        "password -> Hunter2",
        "(pwd=Hunter2)",
        "x-password=Hunter2",
        "The password for the PE Twitter account is \"pe-twitter-99\".",
        // PINs and one-time codes.
        "PIN 4821",
        "pin is 4821",
        "PIN: 4821",
        "Her PIN is 1234.",
        "The PIN for the office door is 4821",
        "PIN number 4821",
        "passcode 739201",
        "The passcode is 0000",
        "code 483920",
        "OTP 123456",
        "OTP: 665544",
        "Your one-time code is 583920",
        "verification code: 771204",
        "2FA code 004512",
        "security code 9934",
        "the code is 483 920",
        "Door code: 1979",
        "4821 is the door code",
        "the alarm code is 4821",
        // Tokens, keys and secrets.
        "token: ab12cd34",
        "token=abc123def456",
        "The token is ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "secret is Hunter2",
        "secret: Tr0ub4dor&3",
        "TOTP secret JBSWY3DPEHPK3PXP",
        "client secret = 8Kf3~qPz_Lm2.XvB",
        "api key: AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "api_key=sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543abc",
        // user:password pairs.
        "pe@school.uk:Hunter2",
        "admin:Summer2024!",
        "admin:hunter22",
        "https://pe:Hunter2@classblog.example.com/admin",
        "user pe@brookfield.sch.uk / Hunter2",
        "Her Instagram login is pe@brookfield.sch.uk:Summer24",
        "username=pe_dept&password=Hunter2",
        // Long random-looking tokens.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "sk_live_51HqLyjWDarjtT1zdp7dcXYZ",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "The API key is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "dGhlIHBhc3N3b3JkIGlzIEh1bnRlcjIgZm9yIHJlYWw=",
        "key 0123456789abcdef0123456789abcdef",
        "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA",
        "Recovery key for the YouTube account: 8fK2mQ9xLp3ZtR7vWb4NcY6s",
        "see https://school.example.com/reset?token=abc123def456ghi",
        "https://drive.example.com/file?id=1&key=AbC123xYz789QwErTy",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "k3j5h2g8f7d6s4a1q9w0e8r7t6y5u4i3",
        // More of the same, as people write them.
        "The new Wi-Fi password is BrookfieldGuest!",
        "password Summer2026",
        "Password: hunter",
        "The login is pe@brookfield.sch.uk and the password is football",
        "pe@brookfield.sch.uk pw: Hunter2",
        "Instagram: brookfield_pe / Hunter2!",
        "The PIN to unlock the iPad is 2580",
        "The PIN to the iPad is 2580",
        "Her passcode is 1 2 3 4",
        "The code for the key safe is 7391",
        "Key safe code: 7391",
        "Authenticator code 123 456",
        "OTP is 445566",
        "Use code 998877 to log in",
        "your verification code is 8827",
        "Token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "Bearer abc123def456ghi789jkl012",
        "The secret is Tr0ub4dor",
        "api key = 4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
        "The school Twitter password is BPA_twitter_2026",
        "pass: hunter",
        "mypassword=hunter2",
        "password is \"kept secret\"",
        "Our Class Dojo login is admin:Dojo2026",
    ];

    public static TheoryData<string> OrdinarySentences =>
    [
        // Names.
        "Maria Pinto",
        "Aisha Tokenova (Year 3 teacher)",
        "Mr Pinnock and Ms Passmore",
        "Computing department page, run by Mr Tokarczuk",
        "Pinto family declared on entry of the pupil",
        "Mr Pass, the caretaker, holds the keys",
        // Dates, times, rooms, versions.
        "Room P4",
        "Meet in Room P4 at 10:30",
        "Room B12, second floor",
        "Meeting on 2026-10-14 at 15:30",
        "Approved until 31/08/2027 with review in 12 months",
        "Lodged 2026-09-03T09:00:00Z",
        "Half term 26 October to 30 October",
        "Social Media Policy v3.2",
        "v3.2",
        "Policy 002 section 4.3",
        "Year 6 pupils sat the 11+ on 12 September",
        "Call 01632 960123 to reach the office",
        "Risk assessment RA-SOC-01 reviewed 2026-10-01",
        "Ref:RA-SOC-01",
        "ID 0190a0b0-0000-7000-8000-000000000001",
        "person:0190a0b0-0000-7000-8000-000000000002",
        // Passwords, PINs, tokens and codes mentioned in passing.
        "reset the class blog password next term",
        "passed her DBS check",
        "the PIN pad in reception is broken",
        "The password is kept in the school's vault",
        "The password was changed after Mr Ellis left",
        "The PIN was changed after the caretaker left",
        "Passwords are rotated every term",
        "Password reset requested by the office on 4 October",
        "The password policy v2.1 applies to all staff",
        "She emailed the password to a TA on 3 October",
        "The teacher shared her login by WhatsApp",
        "Passing on login details is a breach (001)",
        "Reset PIN next term",
        "the password is changed every term",
        "Password manager: KeePass, entry Comms/Instagram",
        "Password: KeePass, Comms/Facebook",
        "Login details and password are lodged with the head",
        "One-time codes are sent to the school phone",
        "OTP reset procedure agreed with IT",
        "2FA is switched on for every account",
        "Safe code held by the bursar",
        "Secret Santa in the staffroom on 18 December",
        "The secret to good posts is a second reader",
        "Token economy reward scheme in Year 2",
        "The class earned 20 tokens this week",
        "Bus pass for the trip",
        "Pupils pass the register to the front",
        "She passed the safeguarding quiz with 100%",
        "Pin the post to the top of the page",
        "Posts are pinned for a week",
        "The code of conduct was signed on 2026-09-03",
        "Code Club meets on Thursdays in Room 12",
        "Dress code reminder for the trip",
        "Postcode AB1 2CD",
        "Account passed to Mrs Okafor when Mr Ellis left",
        "passport checked for the residential trip",
        "The compass app is used in geography",
        "Secretary Mrs Hall holds the spare key",
        "Keys are in the key safe",
        "Document hash checked against the published version",
        // Vault references.
        "KeePass: Comms/Facebook",
        "KeePass: Comms/Pinned posts (1Password backup)",
        "1Password vault Comms, item 'PE Twitter'",
        "Bitwarden: Comms/TikTok Drama",
        "LastPass shared folder 'Comms', entry 'YouTube Science'",
        "Vault entry 42, shelf B, safe in the head's office",
        "Sealed envelope in the safe, ref SAFE-2026-07",
        "KeePass: Comms/YouTube/ScienceDept2024",
        "KeePass: Comms/BrookfieldPrimaryAcademySportsDepartment2024",
        // Official accounts' addresses and handles.
        "https://www.facebook.com/BrookfieldPrimaryAcademy",
        "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw",
        "https://youtu.be/dQw4w9WgXcQ?si=K1b2C3d4E5f6G7h8",
        "https://x.com/BrookfieldPE",
        "https://www.instagram.com/brookfield_sport/",
        "See https://www.brookfield.sch.uk/policies/acceptable-use",
        "@BrookfieldPE_BPA",
        "Instagram account @brookfield.sport run by PE",
        "pe.fixtures.coach@gmail.com",
        // Declarations and decisions.
        "Uncle of a pupil in Year 4 (nephew joined in September)",
        "Friend of a parent from the PTA",
        "No direct messaging; review in 12 months",
        "Class of 2026 leavers' page",
        // More sentences from a school's records.
        "Mrs Tokenova's Year 2 class won the token prize",
        "The headteacher approved the blog on 14/10/2026; review on 14/10/2027.",
        "Posted the password reset link to the IT helpdesk, ticket 48213",
        "IT ticket 48213 raised for the account",
        "The DSL advised no direct messaging with the family.",
        "My nephew Sam Pinto joined Year 4 in September 2026.",
        "I coach the U11 football team; parents are in the WhatsApp group.",
        "The account's login was lodged with Mr Okafor (SLT) in KeePass.",
        "The old login was shared by text message on 3 October.",
        "Ms Passfield shared her password with a supply teacher.",
        "The passcode on the school iPad was changed.",
        "Door entry codes were changed after the break-in.",
        "Pupil codes for Times Tables Rock Stars are printed in the back of their books.",
        "Use the class code on the whiteboard to join Google Classroom.",
        "Staff use 2-step verification with an authenticator app.",
        "The Instagram account is protected by two-factor authentication.",
        "Two-factor recovery codes are sealed in an envelope in the head's safe.",
        "Vault: Comms-2024",
        "KeePass: Comms/Class Dojo Year 4 (2026-27)",
        "Bitwarden collection \"Comms\", item \"Brookfield Facebook page\"",
        "Keeper: Shared-Comms/PE Instagram",
        "Stored in the school's Microsoft Entra password vault, entry PE-Insta",
        "The secretary keeps the visitors book.",
        "The token system in Reception rewards good behaviour.",
        "Pinned post about sports day on 12 June 2027",
        "PIN badges for the reading challenge",
        "Staff pass the safeguarding test every September.",
        "Parents' evening 6:30pm to 8:00pm in the hall.",
        "Risk assessment ref RA/SOC/2026/04 signed by the head",
        "The password must be at least 12 characters and changed every term.",
        "Password length: 14 characters minimum.",
        "Reason: account no longer needed after the trip",
        "Note: the PE teacher has left; rotate the login.",
        "Login: pe@brookfield.sch.uk (the school address, not personal)",
        "Registered with office@brookfield.sch.uk",
        "User: office@brookfield.sch.uk",
        "Account ID 17841400008460056 on Instagram",
        "https://www.tiktok.com/@brookfield.drama?lang=en",
        "https://www.facebook.com/groups/123456789012345/",
        "https://classdojo.com/ul/p/addKid?target=class&classId=5f8d0d55b54764421b7156c9",
        "https://padlet.com/brookfield/year4-science-2026-abc123xyz",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
    ];

    [Theory, MemberData(nameof(Secrets))]
    public void Credential_like_text_is_refused(string text) => Assert.True(SecretGuard.LooksLikeSecret(text, "note"), text);

    [Theory, MemberData(nameof(OrdinarySentences))]
    public void Ordinary_school_sentences_pass(string text) => Assert.False(SecretGuard.LooksLikeSecret(text, "note"), text);

    [Fact]
    public void The_tables_are_long_enough_to_mean_something()
    {
        Assert.True(Secrets.Count >= 60, $"{Secrets.Count} secrets");
        Assert.True(OrdinarySentences.Count >= 60, $"{OrdinarySentences.Count} ordinary sentences");
    }

    /// <summary>Units repeated into a megabyte, each aimed at a pattern that would backtrack or loop on it.</summary>
    public static TheoryData<string> HostileUnits =>
        ["eyJ-", "-----BEGIN ", "password ", "a:b1 ", "1234 ", "https://a.b/?x=", "a.", "pe@x.uk:", "PIN for the is ", "Aa1", "'", "&", "www.", "is "];

    [Theory, MemberData(nameof(HostileUnits))]
    public void A_megabyte_of_hostile_text_is_inspected_in_linear_time(string unit)
    {
        var text = string.Concat(Enumerable.Repeat(unit, 1_000_000 / unit.Length));
        var watch = Stopwatch.StartNew();
        SecretGuard.LooksLikeSecret(text, "note");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{unit}: {watch.Elapsed}");
    }

    const string DocumentHash = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";

    [Theory]
    [InlineData("documentSha256"), InlineData("previousHash"), InlineData("digest")]
    public void A_document_hash_passes_in_the_member_that_carries_it(string member) =>
        Assert.Equal(SecretGuard.Finding.None, Inspect($$"""{"{{member}}":"{{DocumentHash}}"}""").Finding);

    [Theory]
    [InlineData("note"), InlineData("vaultReference"), InlineData("reason")]
    public void The_same_hex_blob_in_free_text_is_refused_as_a_token(string member) =>
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretValue, member), Inspect($$"""{"{{member}}":"{{DocumentHash}}"}"""));

    [Fact]
    public void A_refusal_names_the_member_by_its_JSON_path()
    {
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretValue, "vaultReference"),
            Inspect("""{"custodianId":"0190a0b0-0000-7000-8000-000000000001","vaultReference":"The password is Hunter2"}"""));
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretValue, "events[1].data.reason"),
            Inspect("""{"events":[{"data":{"reason":"fine"}},{"data":{"reason":"PIN 4821"}}]}"""));
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretMember, "login.password"),
            Inspect("""{"login":{"password":"x"}}"""));
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretValue, "notifiedTo[0]"),
            Inspect("""{"notifiedTo":["pe@school.uk:Hunter2"]}"""));
    }

    [Fact]
    public void A_member_name_that_may_hold_the_secret_is_not_shown()
    {
        Assert.Equal("login.password", SecretGuard.Shown("login.password"));
        Assert.Equal("(member)", SecretGuard.Shown("Hunter2Password"));
        Assert.Equal("data.(member)", SecretGuard.Shown("data.password=Hunter2"));
        Assert.Equal("events[0].data.reason", SecretGuard.Shown("events[0].data.reason"));
        Assert.True(SecretGuard.Shown(string.Join('.', Enumerable.Repeat("deep", 60)))!.Length <= 100);
    }

    [Fact]
    public void A_form_is_inspected_field_by_field()
    {
        Assert.Equal(SecretGuard.Finding.None, Inspect("urn=139001&personId=0190a0b0-0000-7000-8000-000000000001", "application/x-www-form-urlencoded").Finding);
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretMember, "password"),
            Inspect("urn=139001&password=Hunter2", "application/x-www-form-urlencoded"));
        Assert.Equal(new SecretGuard.Inspection(SecretGuard.Finding.SecretValue, "note"),
            Inspect("note=my+password+is+Hunter2", "application/x-www-form-urlencoded"));
    }

    static SecretGuard.Inspection Inspect(string body, string? contentType = null) => SecretGuard.Inspect(Encoding.UTF8.GetBytes(body), contentType);
}
