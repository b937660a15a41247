/// `HostName` as Spark SQL: the same host extraction and classification, over the row's
/// `RequestURL` and `DestinationHostName`. Keep the two side by side: the differential tests
/// hold them together.
extension HostName {
  /// Java regex of `host(of:)`: an optional `scheme://`, an optional `userinfo@` (an `@` before
  /// any `/`, `?` or `#`), then the host up to `/`, `?`, `#` or `:`.
  static let hostPattern = #"'^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[^@/?#]*@)?([^/?#:]*)'"#
  /// `isLabels`: `\z` is the true end of input (`$` would also match before a final newline).
  static let labelsPattern = #"'^[A-Za-z0-9_-]+([.][A-Za-z0-9_-]+)*\\z'"#
  static let addressPattern = #"'^[0-9.]+\\z'"#

  /// The host of `field` with one trailing dot dropped (NULL when the field is NULL).
  static func sqlHost(_ field: String) -> String {
    let h = "regexp_extract(\(field), \(hostPattern), 1)"
    return
      "CASE WHEN right(\(h), 1) = '.' THEN substr(\(h), 1, char_length(\(h)) - 1) ELSE \(h) END"
  }

  /// `parse` of `field` as a code: NULL (no host), 'address', 'invalid' or 'name'. `raw` is
  /// the extracted host before the trailing dot is dropped (for the `[` test).
  static func sqlKind(_ field: String) -> String {
    let h = sqlHost(field)
    let raw = "regexp_extract(\(field), \(hostPattern), 1)"
    return """
      CASE WHEN \(field) IS NULL OR \(raw) = '' THEN NULL
        WHEN left(\(raw), 1) = '[' THEN 'address'
        WHEN \(h) = '' THEN NULL
        WHEN \(h) RLIKE \(addressPattern) THEN 'address'
        WHEN octet_length(\(h)) <= \(maxLength) AND \(h) RLIKE \(labelsPattern) THEN 'name'
        ELSE 'invalid' END
      """
  }

  /// `request_kind` and `host_kind`: `parse`'s outcome of `RequestURL` and
  /// `DestinationHostName`, a select list over a row with both (selected before
  /// `sqlDestinationColumns`, which reads them).
  public static var sqlKindsColumns: String {
    "\(sqlKind("RequestURL")) AS request_kind, \(sqlKind("DestinationHostName")) AS host_kind"
  }

  /// `DestinationName` (the destination's name, or NULL), `proxied` and `name_invalid`, as
  /// `destination(requestURL:hostName:)`, from `sqlKindsColumns`' columns.
  public static var sqlDestinationColumns: String {
    """
    CASE WHEN request_kind = 'name' THEN lower(\(sqlHost("RequestURL")))
      WHEN host_kind = 'name' THEN lower(\(sqlHost("DestinationHostName"))) END AS DestinationName,
    coalesce(request_kind = 'name', false) AS proxied,
    coalesce(request_kind = 'name' OR host_kind = 'name', false) = false
      AND coalesce(request_kind = 'invalid' OR host_kind = 'invalid', false) AS name_invalid
    """
  }
}
