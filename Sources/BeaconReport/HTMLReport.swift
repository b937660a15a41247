import BeaconCore

/// What a report shows: findings as columns and rows (enriched or not), the run summary and
/// parameters, and the licence notices of the data used.
public struct ReportInput: Sendable {
  public var title: String
  public var columns: [String]
  public var rows: [[Cell]]
  /// The run summary as the CLI prints it (shown as preformatted text).
  public var summary: String
  public var parameters: [(String, String)]
  public var attributions: [String]
  public var generatedAt: Timestamp

  public init(
    title: String, columns: [String], rows: [[Cell]], summary: String = "",
    parameters: [(String, String)] = [], attributions: [String] = [], generatedAt: Timestamp
  ) {
    self.title = title
    self.columns = columns
    self.rows = rows
    self.summary = summary
    self.parameters = parameters
    self.attributions = attributions
    self.generatedAt = generatedAt
  }
}

/// A self-contained HTML report: one file, no network (a Content-Security-Policy forbids every
/// remote load), a world map with a marker per located destination, and a sortable, filterable
/// table. Every string from logs, feeds or databases goes through `escape`.
public enum HTMLReport {
  /// Text for HTML content and double-quoted attributes.
  public static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
      switch u {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      case _ where u.value < 0x20 && u != "\n" && u != "\t": out += "&#xFFFD;"
      default: out.unicodeScalars.append(u)
      }
    }
    return out
  }

  static func text(_ c: Cell) -> String {
    switch c {
    case .null: ""
    case .string(let s): s
    case .int(let v): String(v)
    case .double(let d): d.findingText ?? ""
    case .intList(let l): l.map(String.init).joined(separator: " ")
    case .stringList(let l): l.joined(separator: " ")
    }
  }

  static func number(_ c: Cell?) -> Double? {
    switch c {
    case .double(let d)?: d.isFinite ? d : nil
    case .int(let v)?: Double(v)
    default: nil
    }
  }

  static func fixed(_ v: Double) -> String {
    let n = (v * 100).rounded() / 100
    return n == n.rounded() ? String(Int(n)) : String(n)
  }

  /// The map: country outlines, and one marker per finding with coordinates, sized by score
  /// and coloured by severity.
  static func map(_ input: ReportInput) -> (svg: String, markers: Int) {
    let col = { (column: FindingColumn) in input.columns.firstIndex(of: column) }
    let (lat, lon, sev, score, country) = (
      col(.destinationLatitude), col(.destinationLongitude), col(.severity), col(.score),
      col(.destinationCountry)
    )
    let percent = col(.percentBeacon)
    var svg =
      #"<svg class="map" viewBox="0 0 360 180" role="img" aria-label="Destinations on a world map">"#
    svg += #"<rect width="360" height="180" class="sea"/>"#
    for line in WorldMapData.countries.split(separator: "\n") {
      let parts = line.split(separator: "\t", maxSplits: 2)
      guard parts.count == 3 else { continue }
      svg +=
        #"<path class="land" data-iso="\#(escape(String(parts[0])))" d="\#(parts[2])"><title>\#(escape(String(parts[1])))</title></path>"#
    }
    var markers = 0
    for (k, row) in input.rows.enumerated() {
      guard let lat, let lon, let la = number(row[lat]), let lo = number(row[lon]),
        (-90...90).contains(la), (-180...180).contains(lo)
      else { continue }
      // Marker size: the periodicity score, or the notebook's Percentbeacon as a fraction.
      let s =
        score.flatMap { number(row[$0]) } ?? percent.flatMap { number(row[$0]) }.map { $0 / 100 }
        ?? 0.5
      let severity = sev.map { text(row[$0]) } ?? "medium"
      let r = 1.2 + 2.8 * min(1, max(0, s))
      // The destination's name first where there is one, then its address.
      let name = input.columns.firstIndex(of: .destinationHostName).map { text(row[$0]) }
      let label = [
        input.columns.firstIndex(of: .sourceIP).map { text(row[$0]) },
        name.flatMap { $0.isEmpty ? nil : "→ " + $0 },
        input.columns.firstIndex(of: .destinationIP).map {
          (name?.isEmpty ?? true ? "→ " : "at ") + text(row[$0])
        },
        country.map { text(row[$0]) }, "severity " + severity,
      ].compactMap { $0 }.joined(separator: " ")
      svg +=
        #"<circle class="marker sev-\#(escape(severity))" data-row="\#(k)" cx="\#(fixed(lo + 180))" cy="\#(fixed(90 - la))" r="\#(fixed(r))"><title>\#(escape(label))</title></circle>"#
      markers += 1
    }
    return (svg + "</svg>", markers)
  }

  /// Columns drawn as inline SVG bar charts, with what their bars mean.
  static let charts = [
    FindingColumn.intervalHistogram.name:
      "intervals between check-ins, in quarter periods from 0 to 4.5 periods (last bar: longer)",
    FindingColumn.timeline.name: "connections over the hunt's window",
  ]

  /// A small bar chart of counts (heights relative to the largest), with the counts in its title.
  static func bars(_ counts: [Int64], caption: String) -> String {
    let top = max(1, counts.max() ?? 1)
    let w = 3
    var svg =
      "<svg class=\"chart\" viewBox=\"0 0 \(counts.count * w) 20\" width=\"\(counts.count * w * 2)\" height=\"40\">"
    svg += "<title>\(escape(caption)): \(counts.map(String.init).joined(separator: " "))</title>"
    for (k, c) in counts.enumerated() where c > 0 {
      let h = max(1, Double(c) / Double(top) * 20)
      svg +=
        "<rect x=\"\(k * w)\" y=\"\(fixed(20 - h))\" width=\"\(w - 1)\" height=\"\(fixed(h))\"/>"
    }
    return svg + "</svg>"
  }

  public static func render(_ input: ReportInput) -> String {
    let (svg, markers) = map(input)
    var table = "<table id=\"findings\"><thead><tr>"
    for (k, c) in input.columns.enumerated() {
      table += "<th data-col=\"\(k)\" title=\"sort\">\(escape(c))</th>"
    }
    table += "</tr></thead><tbody>"
    let sev = input.columns.firstIndex(of: .severity)
    for (k, row) in input.rows.enumerated() {
      let severity = sev.map { text(row[$0]) } ?? ""
      table += "<tr id=\"row-\(k)\" class=\"sev-\(escape(severity))\">"
      for (j, c) in row.enumerated() {
        if case .intList(let counts) = c, let chart = charts[input.columns[j]] {
          table += "<td>" + bars(counts, caption: chart) + "</td>"
          continue
        }
        let numeric = number(c) != nil
        table += numeric ? "<td class=\"num\">" : "<td>"
        table += escape(text(c)) + "</td>"
      }
      table += "</tr>"
    }
    table += "</tbody></table>"
    let parameters = input.parameters.map {
      "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>"
    }.joined()
    let notes = (input.attributions + ["Map outlines: Made with Natural Earth (public domain)."])
      .map { "<li>\(escape($0))</li>" }.joined()
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escape(input.title))</title>
      <style>\(style)</style></head>
      <body>
      <header><h1>\(escape(input.title))</h1>
      <p class="meta">\(input.rows.count) finding\(input.rows.count == 1 ? "" : "s"), \(markers) on the map · generated \(escape(input.generatedAt.description))</p></header>
      <section>\(svg)</section>
      <section><input id="filter" type="search" placeholder="Filter findings (any text)" aria-label="Filter findings">
      <div class="scroll">\(table)</div></section>
      <section class="cols"><div><h2>Run summary</h2><pre>\(escape(input.summary))</pre></div>
      <div><h2>Parameters</h2><table class="params">\(parameters)</table></div></section>
      <footer><ul>\(notes)</ul></footer>
      <script>\(script)</script>
      </body></html>

      """
  }

  static let style = """
    body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24;background:#fafafa}
    h1{font-size:1.4em;margin:0}.meta{color:#57606a}
    .map{width:100%;max-height:480px;background:#dbe9f4;border:1px solid #c8d1da}
    .sea{fill:#dbe9f4}.land{fill:#d5d8dc;stroke:#fff;stroke-width:.15}
    .marker{stroke:#1b1f24;stroke-width:.25;fill-opacity:.8;cursor:pointer}
    .sev-critical{fill:#b3261e}.sev-high{fill:#e8710a}.sev-medium{fill:#f2c94c}.sev-low{fill:#5b8def}
    tr.sev-critical td:first-child{border-left:4px solid #b3261e}tr.sev-high td:first-child{border-left:4px solid #e8710a}
    .scroll{overflow:auto;max-height:70vh;border:1px solid #c8d1da;background:#fff}
    table{border-collapse:collapse;font-size:12px}th,td{padding:3px 6px;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
    thead th{position:sticky;top:0;background:#f0f3f6;cursor:pointer}td.num{text-align:right;font-variant-numeric:tabular-nums}
    tr.hit{outline:2px solid #0969da}#filter{margin:1em 0 .5em;padding:4px 8px;width:24em}
    .cols{display:flex;gap:2em;flex-wrap:wrap}pre{background:#fff;border:1px solid #c8d1da;padding:.8em;overflow:auto}
    footer{color:#57606a;font-size:12px;margin-top:2em}
    svg.chart rect{fill:#0969da}svg.chart{background:#f6f8fa;vertical-align:middle}
    """

  /// Sorting, filtering and marker-to-row links. It reads text from the DOM only (textContent),
  /// so no log value is ever evaluated.
  static let script = """
    (function(){
    var table=document.getElementById('findings'),body=table.tBodies[0];
    var dir={};
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){
      th.addEventListener('click',function(){
        var k=+th.getAttribute('data-col');dir[k]=-(dir[k]||-1);
        var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){
          var x=a.cells[k].textContent,y=b.cells[k].textContent,nx=parseFloat(x),ny=parseFloat(y);
          var c=(!isNaN(nx)&&!isNaN(ny)&&String(nx)!=='NaN')?nx-ny:x.localeCompare(y);
          return c*dir[k];});
        rows.forEach(function(r){body.appendChild(r);});});});
    document.getElementById('filter').addEventListener('input',function(e){
      var q=e.target.value.toLowerCase();
      Array.prototype.forEach.call(body.rows,function(r){
        r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});
    Array.prototype.forEach.call(document.querySelectorAll('circle.marker'),function(m){
      m.addEventListener('click',function(){
        var r=document.getElementById('row-'+m.getAttribute('data-row'));
        if(!r)return;Array.prototype.forEach.call(body.rows,function(x){x.classList.remove('hit');});
        r.classList.add('hit');r.scrollIntoView({block:'center'});});});
    document.body.setAttribute('data-ready','1');
    })();
    """
}
