import BeaconCore
import BeaconNet

extension PeriodicityPrepare {
  /// `PeriodicityPrepare` as Spark SQL: the vendor filter, IP text parsed exactly as `IPAddress`
  /// parses it, classification against the internal, special-purpose and allowlisted networks, and
  /// the direction rule. Keep the two side by side: the differential tests hold them together.
  ///
  /// Addresses are parsed once per distinct text (as the native engine caches them) into four
  /// 32-bit words of the 128-bit address, IPv4 in the IPv4-mapped range like `IPAddress`. Network
  /// tests are equi-joins on the address masked to each prefix length in use, the SQL form of
  /// `NetworkSet`'s one hash probe per length.
  public enum SQL {
    /// Network tables: `bh_net(kind, bits, b0…b3)` and `bh_net_len(bits, m0…m3)`. The values are
    /// numbers computed here from parsed networks (never text from the user), in the 128-bit space.
    public static func networksCTE(internal internalNetworks: [IPNetwork], allow: [IPNetwork])
      -> String
    {
      var tagged: [(kind: String, network: IPNetwork)] = internalNetworks.map { ("internal", $0) }
      tagged += SpecialPurpose.entries.map { ("special", $0.network) }
      tagged += SpecialPurpose.noise.map { ("noise", $0) }
      tagged += allow.map { ("allow", $0) }
      let rows = tagged.map { kind, n in
        "('\(kind)', \(n.bits), "
          + words(n.base.high, n.base.low).map { "\($0)L" }.joined(
            separator: ", ") + ")"
      }
      let lengths = Set(tagged.map { $0.network.bits }).sorted().map { bits -> String in
        let (h, l) = IPNetwork.mask(bits)
        return "(\(bits), " + words(h, l).map { "\($0)L" }.joined(separator: ", ") + ")"
      }
      return """
        bh_net AS (
          SELECT * FROM VALUES \(rows.joined(separator: ", ")) AS t(kind, bits, b0, b1, b2, b3)
        ),
        bh_net_len AS (
          SELECT * FROM VALUES \(lengths.joined(separator: ", ")) AS t(bits, m0, m1, m2, m3)
        )
        """
    }

    static func words(_ high: UInt64, _ low: UInt64) -> [UInt64] {
      [high >> 32, high & 0xFFFF_FFFF, low >> 32, low & 0xFFFF_FFFF]
    }

    // Java regexes: `\z` is the true end of input (`$` would also match before a final newline).
    static let hexGroup = #"'^[0-9a-fA-F]{1,4}\\z'"#
    static let dottedQuad = #"'^(0|[1-9][0-9]{0,2})([.](0|[1-9][0-9]{0,2})){3}\\z'"#

    /// The `k`-th (0-based) octet of dotted-quad text, or NULL.
    static func octet(_ f: String, _ k: Int) -> String {
      "try_cast(try_element_at(split(\(f), '[.]', -1), \(k + 1)) AS BIGINT)"
    }

    /// `parseIPv4`: four decimal octets without leading zeros, each at most 255.
    static func isIPv4(_ f: String) -> String {
      "(\(f) RLIKE \(dottedQuad) AND forall(split(\(f), '[.]', -1), o -> try_cast(o AS INT) <= 255))"
    }

    static func ipv4Value(_ f: String) -> String {
      "(\(octet(f, 0)) * 16777216 + \(octet(f, 1)) * 65536 + \(octet(f, 2)) * 256 + \(octet(f, 3)))"
    }

    /// The fields of one side of `::` (an empty side has none).
    static func fields(_ part: String) -> String {
      "CASE WHEN \(part) = '' THEN CAST(array() AS ARRAY<STRING>) ELSE split(\(part), ':', -1) END"
    }

    /// Every field a hex group, or (when `allowIPv4`) the last one dotted-quad.
    static func fieldsValid(_ list: String, allowIPv4: Bool) -> String {
      """
      forall(transform(\(list), (f, k) -> coalesce(CASE WHEN instr(f, '.') > 0
        THEN \(allowIPv4 ? "k = size(\(list)) - 1 AND \(isIPv4("f"))" : "false")
        ELSE f RLIKE \(hexGroup) END, false)), x -> x)
      """
    }

    /// 16-bit groups a valid field list stands for (dotted-quad is two).
    static func groupCount(_ list: String) -> String {
      "aggregate(\(list), 0, (n, f) -> n + CASE WHEN instr(f, '.') > 0 THEN 2 ELSE 1 END)"
    }

    static func groups(_ list: String) -> String {
      """
      flatten(transform(\(list), f -> CASE WHEN instr(f, '.') > 0
        THEN array(\(octet("f", 0)) * 256 + \(octet("f", 1)), \(octet("f", 2)) * 256 + \(octet("f", 3)))
        ELSE array(try_cast(conv(f, 16, 10) AS BIGINT)) END))
      """
    }

    /// `bh_ip_text` (distinct address texts of `views`) … `bh_ip_class(ip, valid, internal,
    /// special, allowed)`.
    public static func addressesCTE(of views: [String]) -> String {
      // One scan per view: both columns of a row at once.
      let texts = views.map {
        "SELECT ip FROM \($0) LATERAL VIEW explode(array(SourceIP, DestinationIP)) x AS ip"
      }
      let g16 =
        "concat(\(groups("head")), array_repeat(0L, 8 - \(groupCount("head")) - \(groupCount("tail"))), \(groups("tail")))"
      let wordsV6 = (0..<4).map {
        "try_element_at(g, \(2 * $0 + 1)) * 65536 + try_element_at(g, \(2 * $0 + 2)) AS w\($0)"
      }
      return """
        bh_ip_text AS (
          SELECT DISTINCT ip FROM (\(texts.joined(separator: " UNION ALL "))) WHERE ip IS NOT NULL
        ),
        bh_ip_zone AS (
          SELECT ip, CASE WHEN instr(ip, ':') > 0 AND instr(ip, '%') > 0 THEN
              CASE WHEN instr(ip, '%') = char_length(ip) THEN NULL ELSE substr(ip, 1, instr(ip, '%') - 1) END
            ELSE ip END AS t
          FROM bh_ip_text
        ),
        bh_ip_halves AS (
          SELECT ip, t, t IS NOT NULL AND instr(t, ':') = 0 AS is4,
            CASE WHEN instr(t, ':') > 0 AND octet_length(t) <= 45 THEN split(t, '::', -1) END AS halves
          FROM bh_ip_zone
        ),
        bh_ip_fields AS (
          SELECT ip, t, is4, coalesce(size(halves), 0) AS nh,
            CASE WHEN size(halves) = 2 THEN \(fields("try_element_at(halves, 1)")) ELSE CAST(array() AS ARRAY<STRING>) END AS head,
            CASE WHEN size(halves) = 2 THEN \(fields("try_element_at(halves, 2)"))
              WHEN size(halves) = 1 THEN \(fields("try_element_at(halves, 1)"))
              ELSE CAST(array() AS ARRAY<STRING>) END AS tail
          FROM bh_ip_halves
        ),
        bh_ip_valid AS (
          SELECT ip, t, is4, head, tail,
            CASE WHEN is4 THEN \(isIPv4("t"))
              WHEN nh = 2 THEN \(fieldsValid("head", allowIPv4: false)) AND \(fieldsValid("tail", allowIPv4: true))
                AND \(groupCount("head")) + \(groupCount("tail")) <= 7
              WHEN nh = 1 THEN \(fieldsValid("tail", allowIPv4: true)) AND \(groupCount("tail")) = 8
              ELSE false END AS valid
          FROM bh_ip_fields
        ),
        bh_ip AS (
          SELECT ip, valid,
            CASE WHEN is4 THEN 0L ELSE w0 END AS w0, CASE WHEN is4 THEN 0L ELSE w1 END AS w1,
            CASE WHEN is4 THEN 65535L ELSE w2 END AS w2, CASE WHEN is4 THEN \(ipv4Value("t")) ELSE w3 END AS w3
          FROM (
            SELECT ip, valid, is4, t, \(wordsV6.joined(separator: ", "))
            FROM (SELECT *, CASE WHEN valid AND NOT is4 THEN \(g16) END AS g FROM bh_ip_valid)
          )
        ),
        bh_ip_masked AS (
          SELECT a.ip, l.bits, a.w0 & l.m0 AS x0, a.w1 & l.m1 AS x1, a.w2 & l.m2 AS x2, a.w3 & l.m3 AS x3
          FROM bh_ip a CROSS JOIN bh_net_len l WHERE a.valid
        ),
        bh_ip_hits AS (
          SELECT m.ip, n.kind FROM bh_ip_masked m JOIN bh_net n
            ON m.bits = n.bits AND m.x0 = n.b0 AND m.x1 = n.b1 AND m.x2 = n.b2 AND m.x3 = n.b3
        ),
        bh_ip_class AS (
          SELECT a.ip, a.valid, count_if(h.kind = 'internal') > 0 AS internal,
            count_if(h.kind = 'special') > 0 AS special, count_if(h.kind = 'allow') > 0 AS allowed,
            count_if(h.kind = 'noise') > 0 AS noise
          FROM bh_ip a LEFT JOIN bh_ip_hits h ON a.ip = h.ip GROUP BY a.ip, a.valid
        )
        """
    }

    /// `<p>vendor` from `rows` (status `ok`, the vendor filter), then `<p>classified`,
    /// `<p>directed` (valid addresses, direction) and `<p>prepared` (allowlist applied).
    public static func vendorCTE(rows: String, prefix p: String) -> String {
      let N = VendorSQLParameter.self
      // The fields the method reads, and the file (history days are windowed by its folder): not
      // the line text, which every later sort and shuffle would carry (a hostile 4 MiB line
      // copied through each of them exhausted a 1 GB driver).
      let fields = CSLField.allCases.filter { $0 != .timeGenerated }.map(\.name)
      return """
        \(p)vendor AS (
          SELECT file, Ticks, \(fields.joined(separator: ", ")) FROM \(rows)
          WHERE status = 'ok' AND (\(N.allVendors.marker) OR DeviceVendor = \(N.vendor.marker))
        )
        """
    }

    /// How a view's rows are windowed (`TimeWindow`).
    public enum Window: Sendable {
      /// The hunted day, `:window_day`.
      case huntedDay
      /// The run of days with most rows (`TimeWindow.Rule.dataSpan`).
      case dataSpan
      /// History: each row's own day folder (`…/y=YYYY/m=MM/d=DD/…` in its file's path).
      case folderDay
    }

    static func day(_ ticks: String) -> String { TimeWindow.sqlDay(ticks) }

    /// `<p>span(first_day, last_day)` and `<p>windowed` (`<p>vendor` with `in_window`).
    public static func windowCTE(prefix p: String, window: Window) -> String {
      let P = PeriodicitySQLParameter.self
      switch window {
      case .huntedDay:
        return """
          \(p)span AS (
            SELECT \(P.windowDay.marker) AS first_day, \(P.windowDay.marker) AS last_day
          ),
          \(p)windowed AS (
            SELECT r.*, \(day("r.Ticks")) BETWEEN s.first_day AND s.last_day AS in_window
            FROM \(p)vendor r CROSS JOIN \(p)span s
          )
          """
      case .dataSpan:
        return """
          \(p)days AS (
            SELECT \(day("Ticks")) AS day, count(*) AS n FROM \(p)vendor GROUP BY 1
          ),
          \(p)runs AS (
            SELECT day, n, sum(start) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING) AS run
            FROM (
              SELECT day, n, CASE WHEN day - lag(day) OVER (ORDER BY day) <= \(TimeWindow.spanGapDays)
                THEN 0 ELSE 1 END AS start
              FROM \(p)days
            )
          ),
          \(p)span AS (
            SELECT first_day, last_day FROM (
              SELECT min(day) AS first_day, max(day) AS last_day, sum(n) AS n FROM \(p)runs GROUP BY run
            ) ORDER BY n DESC, first_day DESC LIMIT 1
          ),
          \(p)windowed AS (
            SELECT r.*, coalesce(\(day("r.Ticks")) BETWEEN s.first_day AND s.last_day, false) AS in_window
            FROM \(p)vendor r LEFT JOIN \(p)span s ON true
          )
          """
      case .folderDay:
        let pattern = #"'^.*/y=([0-9]{4})/m=([0-9]{2})/d=([0-9]{2})/'"#
        let part = { (k: Int) in "regexp_extract(file, \(pattern), \(k))" }
        return """
          \(p)windowed AS (
            SELECT *, coalesce(\(day("Ticks")) = unix_date(try_to_date(concat(\(part(1)), '-', \(part(2)), '-', \(part(3))),
              'yyyy-MM-dd')), false) AS in_window
            FROM \(p)vendor
          )
          """
      }
    }

    /// `PeriodicityPrepare.isICMPError` of a row (with `icmpFamily` of its protocol).
    static var icmpError: String {
      func list(_ v: [Int32]) -> String { v.map(String.init).joined(separator: ", ") }
      func names(_ v: [String]) -> String { v.map(SQLText.stringLiteral).joined(separator: ", ") }
      let P = PeriodicityPrepare.self
      return """
        coalesce((lower(Protocol) IN (\(names(P.icmpProtocols))) AND CASE WHEN instr(DestinationIP, ':') > 0
            THEN SourcePort IN (\(list(P.icmp6ErrorTypes))) ELSE SourcePort IN (\(list(P.icmpErrorTypes))) END)
          OR (lower(Protocol) IN (\(names(P.icmp6Protocols))) AND SourcePort IN (\(list(P.icmp6ErrorTypes)))), false)
        """
    }

    /// `Allowlist.containsPort`: numbers and validated protocol names, as literals.
    static func allowedPort(_ ports: [Allowlist.Port]) -> String {
      guard !ports.isEmpty else { return "false" }
      return "coalesce("
        + ports.map { e in
          "(DestinationPort = \(e.port)"
            + (e.protocol.map { " AND lower(Protocol) = \(SQLText.stringLiteral($0))" } ?? "") + ")"
        }.joined(separator: " OR ") + ", false)"
    }

    /// `Allowlist.containsName` of `DestinationName`: validated names, as literals.
    static func allowedName(_ allow: Allowlist) -> String {
      var tests: [String] = []
      let exact = allow.hostNames.sorted().map(SQLText.stringLiteral)
      if !exact.isEmpty { tests.append("DestinationName IN (\(exact.joined(separator: ", ")))") }
      tests += allow.hostSuffixes.map {
        "endswith(DestinationName, \(SQLText.stringLiteral("." + $0)))"
      }
      guard !tests.isEmpty else { return "false" }
      return "coalesce(" + tests.joined(separator: " OR ") + ", false)"
    }

    /// `<p>named` (`HostName`'s columns, and `DestinationKey`: the name, else the address),
    /// `<p>classified` (from `<p>windowed`: valid addresses, direction, noise, allowlist flags),
    /// `<p>directed` and `<p>prepared`.
    ///
    /// `<p>classified` is computed once (`SQLText.computedOnce`): the run summary's counts, the
    /// hunt's window, the prevalence and the flows all read it. Inlined, each re-ran the
    /// host-name columns and both address joins: five times at 250 k rows, where computing it
    /// once took the executors' time from 148 s to 90 s.
    public static func preparedCTE(prefix p: String, allow: Allowlist) -> String {
      let P = PeriodicitySQLParameter.self
      return """
        \(p)named AS (
          SELECT *, coalesce(DestinationName, DestinationIP) AS DestinationKey, \(allowedName(allow)) AS name_allowed
          FROM (
            SELECT *, \(HostName.sqlDestinationColumns)
            FROM (SELECT *, \(HostName.sqlKindsColumns) FROM \(p)windowed WHERE in_window)
          )
        ),
        \(p)classified AS (
          SELECT *, \(SQLText.computedOnce), valid_ips AND (\(P.anyDirection.marker) OR (src_internal AND (NOT dst_not_external OR proxied))) AS directed
          FROM (
            SELECT r.*, coalesce(s.valid AND d.valid, false) AS valid_ips,
              coalesce(s.internal, false) AS src_internal,
              coalesce(d.internal OR d.special, false) AS dst_not_external,
              coalesce(s.allowed, false) OR (coalesce(d.allowed, false) AND NOT r.proxied) OR r.name_allowed
                OR \(allowedPort(allow.ports)) AS allowed,
              \(icmpError) AS icmp_error, coalesce(d.noise, false) AND NOT r.proxied AS dst_noise
            FROM \(p)named r LEFT JOIN bh_ip_class s ON r.SourceIP = s.ip
            LEFT JOIN bh_ip_class d ON r.DestinationIP = d.ip
          )
        ),
        \(p)directed AS (
          SELECT * FROM \(p)classified WHERE directed
        ),
        \(p)prepared AS (
          SELECT * FROM \(p)directed WHERE NOT icmp_error AND NOT dst_noise AND NOT allowed
        )
        """
    }
  }
}
