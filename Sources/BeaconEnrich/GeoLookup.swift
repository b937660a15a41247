import BeaconNet

/// Where an address is, from a GeoIP2/GeoLite2 City or Country database or DB-IP Lite.
public struct GeoInfo: Sendable, Equatable {
  /// The database's network holding the address (`81.2.69.142/31`).
  public var network: String
  public var countryISO: String?
  public var registeredCountryISO: String?
  public var subdivisionISO: String?
  public var city: String?
  public var latitude: Double?
  public var longitude: Double?
  public var accuracyRadiusKm: Int64?
  public var timeZone: String?
}

/// Who routes an address, from a GeoLite2 ASN database (or DB-IP's ASN Lite).
public struct ASNInfo: Sendable, Equatable {
  public var network: String
  public var number: Int64?
  public var organization: String?
}

extension MaxMindDB {
  /// The paths read for `GeoInfo`: the City and Country schema, which DB-IP Lite shares.
  enum GeoPath {
    static let country: [MMDBPathStep] = ["country", "iso_code"]
    static let registeredCountry: [MMDBPathStep] = ["registered_country", "iso_code"]
    static let subdivision: [MMDBPathStep] = ["subdivisions", 0, "iso_code"]
    static let city: [MMDBPathStep] = ["city", "names", "en"]
    static let latitude: [MMDBPathStep] = ["location", "latitude"]
    static let longitude: [MMDBPathStep] = ["location", "longitude"]
    static let accuracy: [MMDBPathStep] = ["location", "accuracy_radius"]
    static let timeZone: [MMDBPathStep] = ["location", "time_zone"]
  }

  func network(_ address: IPAddress, _ prefix: Int) -> String {
    IPNetwork(address, prefixLength: prefix).description
  }

  /// Country, city and coordinates of `address`, or nil when the database has no record.
  public func geo(_ address: IPAddress) throws -> GeoInfo? {
    guard let (offset, prefix) = try lookup(address) else { return nil }
    func s(_ p: [MMDBPathStep]) throws -> String? { try value(at: offset, p)?.string }
    return GeoInfo(
      network: network(address, prefix), countryISO: try s(GeoPath.country),
      registeredCountryISO: try s(GeoPath.registeredCountry),
      subdivisionISO: try s(GeoPath.subdivision), city: try s(GeoPath.city),
      latitude: try value(at: offset, GeoPath.latitude)?.number,
      longitude: try value(at: offset, GeoPath.longitude)?.number,
      accuracyRadiusKm: try value(at: offset, GeoPath.accuracy)?.integer,
      timeZone: try s(GeoPath.timeZone))
  }

  /// The autonomous system of `address`, or nil when the database has no record.
  public func asn(_ address: IPAddress) throws -> ASNInfo? {
    guard let (offset, prefix) = try lookup(address) else { return nil }
    return ASNInfo(
      network: network(address, prefix),
      number: try value(at: offset, ["autonomous_system_number"])?.integer,
      organization: try value(at: offset, ["autonomous_system_organization"])?.string)
  }
}
