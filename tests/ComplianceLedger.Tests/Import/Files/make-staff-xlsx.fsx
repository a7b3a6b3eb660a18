// Writes staff.xlsx (the rows of staff.csv, start dates as date cells) with ClosedXML: dotnet fsi make-staff-xlsx.fsx
// (the paths are the local NuGet copy's; the test project does not run this).
#r "/root/.nuget/packages/system.io.packaging/8.0.1/lib/net8.0/System.IO.Packaging.dll"
#r "/root/.nuget/packages/system.drawing.common/8.0.34/lib/net8.0/System.Drawing.Common.dll"
#r "/root/.nuget/packages/documentformat.openxml/2.20.0/lib/netstandard2.0/DocumentFormat.OpenXml.dll"
#r "/root/.nuget/packages/excelnumberformat/1.1.0/lib/netstandard2.0/ExcelNumberFormat.dll"
#r "/root/.nuget/packages/closedxml/0.95.4/lib/netstandard2.0/ClosedXML.dll"
open ClosedXML.Excel
let wb = new XLWorkbook()
let ws = wb.AddWorksheet("Staff list")
let set (r:int) (c:int) (v:obj) = ws.Cell(r, c).Value <- v
set 1 1 "Name"; set 1 2 "EMAIL"; set 1 3 " Roles "; set 1 4 "Start date"
let rows = [ "Ana Smith","ana.smith@test.sch.uk","Teacher",System.DateTime(2024,9,1)
             "Ben Okoro","ben.okoro@test.sch.uk","support staff",System.DateTime(2023,9,1)
             "Chloe Patel","chloe.patel@test.sch.uk","Chair of Governors; Governor",System.DateTime(2020,1,15)
             "Dev Shah, Jr","dev.shah@test.sch.uk","Teacher; DSL",System.DateTime(2019,4,23) ]
// Row 4 left blank, as in staff.csv: the rows keep the spreadsheet's numbers.
rows |> List.iteri (fun i (n, e, r, d) ->
    let row = if i < 2 then i + 2 else i + 3
    set row 1 n; set row 2 e; set row 3 r; set row 4 d
    ws.Cell(row, 4).Style.DateFormat.Format <- "dd/mm/yyyy")
wb.SaveAs((System.IO.Path.Combine(__SOURCE_DIRECTORY__, "staff.xlsx")))
