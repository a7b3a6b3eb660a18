using Spike;
var cmd = args.Length > 0 ? args[0] : "help";
try
{
    switch (cmd)
    {
        case "setup": await Setup.Run(); break;
        case "schema": await Setup.SchemaChecks(); break;
        case "q1": await Q.Q1(); break;
        case "q2": await Q.Q2(); break;
        case "q4": await Q.Q4(); break;
        case "q5": await Q5to8.Q5(); break;
        case "q7": await Q5to8.Q7(); break;
        case "q8": await Q5to8.Q8(); break;
        case "q9": await Q9.Run(); break;
        case "extype": ExType.Run(); break;
        case "bench": await Bench.Run(args[1], Enum.Parse<JasperFx.Events.EventAppendMode>(args[2]), bool.Parse(args[3]), int.Parse(args[4])); break;
        default: Console.WriteLine("commands: setup schema q1 q2 q4"); break;
    }
}
catch (Exception e) { Console.WriteLine($"FAILED {e.GetType().FullName}: {e.Message}\n{e.InnerException?.Message}"); Environment.Exit(1); }
