import BeaconCore
import BeaconNotebook

/// Runs steps 1–7 on in-memory rows, as the native engine does after loading.
func notebookHunt(
  _ rows: [ConnectionRecord], vendor: String? = "Fortinet", _ t: NotebookThresholds = .init()
) -> [NotebookFinding] {
  let prepared = NotebookPrepare.prepare(rows, vendor: vendor)
  // Rows in memory are never read from disk: the baseline cannot fail here.
  let baseline = try! NotebookBaseline.apply(prepared, thresholds: t)
  return NotebookMethod.detect(
    baseline.rows, pool: prepared.pool, degreeByID: baseline.degreeByID, thresholds: t
  ).findings
}

/// Thresholds that let tiny data sets through, for testing one Decision at a time.
let permissive = NotebookThresholds(
  dailyEventCount: 0, degreeOfSourceIP: 25, timeDelta: 15, percentBeacon: 0)

let day0: Int64 = 1_635_724_800  // 2021-11-01T00:00:00Z

/// A connection at `seconds` after midnight (fractions allowed).
func conn(
  _ seconds: Double, src: String? = "10.0.0.5", dst: String? = "203.0.113.50", dport: Int32? = 443,
  proto: String? = "TCP", sport: Int32? = 50_000, sent: Int64? = 100, recv: Int64? = 200,
  vendor: String? = "Fortinet"
) -> ConnectionRecord {
  ConnectionRecord(
    time: Timestamp(ticks: day0 * Timestamp.ticksPerSecond + Int64((seconds * 1e7).rounded())),
    sourceIP: src, destinationIP: dst, sourcePort: sport, destinationPort: dport, protocol: proto,
    receivedBytes: recv, sentBytes: sent, deviceVendor: vendor)
}
