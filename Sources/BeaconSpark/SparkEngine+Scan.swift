import BeaconLoad
import GRPCNIOTransportHTTP2

extension SparkEngine {
  typealias Service = Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>

  /// Scans the input once: the hunted day's parsed rows, and the history's when `history` names
  /// folders, become the session's cached views (`LoadSQL.scanView`, `LoadSQL.historyScanView`)
  /// that every statement in `body` reads. The cache is dropped when `body` ends, however it ends.
  ///
  /// Without it, each statement (findings, counts, skipped-line examples) read and parsed every
  /// file again.
  func withScannedInput<R: Sendable>(
    client: SparkConnectClient, service: Service, lines: [String], history: [String] = [],
    parameters: [String: Spark_Connect_Expression], _ body: () async throws -> R
  ) async throws -> R {
    var views = [(name: LoadSQL.scanView, paths: lines)]
    if !history.isEmpty { views.append((LoadSQL.historyScanView, history)) }
    var cached: [String] = []
    func uncache() async {
      for name in cached {
        _ = try? await client.execute(
          SparkPlan.statement("UNCACHE TABLE IF EXISTS \(name)"), service: service)
      }
    }
    do {
      for view in views {
        _ = try await client.execute(
          SparkPlan.view(
            view.name, of: LoadSQL.scanSelect, lines: view.paths, parameters: parameters),
          service: service)
        cached.append(view.name)
        _ = try await client.execute(
          SparkPlan.statement("CACHE TABLE \(view.name)"), service: service)
      }
      let result = try await body()
      await uncache()
      return result
    } catch {
      await uncache()
      throw error
    }
  }
}
