namespace Spike;
public static class ExType
{
    public static void Run()
    {
        foreach (var t in new[] { typeof(JasperFx.Events.EventStreamUnexpectedMaxEventIdException), typeof(JasperFx.ConcurrencyException) })
        {
            var chain = new List<string>(); for (var x = t; x != null; x = x.BaseType) chain.Add(x.FullName!);
            Console.WriteLine(string.Join(" : ", chain));
        }
    }
}
