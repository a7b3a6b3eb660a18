using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// A shell starts a background job (<c>dotnet … &amp;</c>) with SIGINT ignored, and .NET then never
/// handles it, so <c>kill -INT</c> did nothing. When this app is the process's entry point, an
/// ignored SIGINT is restored to its default before the runtime sets up its handlers, so SIGINT
/// stops the app gracefully (as SIGTERM does), stopping the development cluster with it.
/// </summary>
static class InterruptSignal
{
    const int SigInt = 2;
    static readonly nint SigDfl = 0;
    static readonly nint SigIgn = 1;

    [ModuleInitializer]
    internal static void HonourInterrupt()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || System.Reflection.Assembly.GetEntryAssembly() != typeof(InterruptSignal).Assembly)
        {
            return;
        }
        try
        {
            // struct sigaction starts with the handler on Linux and macOS; the buffer is larger than the struct.
            var current = new byte[512];
            if (SigAction(SigInt, null, current) == 0 && Handler(current) == SigIgn)
            {
                _ = Signal(SigInt, SigDfl);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to ask: SIGINT keeps whatever the shell gave it.
        }
    }

    static nint Handler(byte[] action) => IntPtr.Size == 8 ? (nint)BitConverter.ToInt64(action, 0) : BitConverter.ToInt32(action, 0);

    [DllImport("libc", EntryPoint = "sigaction")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    static extern int SigAction(int signal, byte[]? action, [Out] byte[] oldAction);

    [DllImport("libc", EntryPoint = "signal")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    static extern nint Signal(int signal, nint handler);
}
