import BeaconArrow
import BeaconCore
import BeaconLoad
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf

/// Why a hunt on Spark failed, with the values a message needs.
public enum SparkError: Error, Sendable, Equatable {
  /// A connection string that does not parse.
  case badRemote(text: String, reason: String)
  /// Nothing answered at the address (refused, no route, TLS failure).
  case unreachable(remote: String, detail: String)
  /// Something accepted the connection but did not answer as Spark Connect in time.
  case notSparkConnect(remote: String, seconds: Double)
  case credentials(remote: String, detail: String)
  /// A query did not finish within the query timeout.
  case timedOut(remote: String, seconds: Double)
  /// Spark's own error (an SQL error, a missing path), as Spark words it.
  case query(message: String)
  /// Spark answered, but not with what the hunt asked for.
  case protocolError(message: String)
  case unsupported(Unsupported)
  /// `INSERT OVERWRITE DIRECTORY` would replace a directory BeaconHunt cannot check, or one that
  /// exists.
  case clusterOutputUnchecked(path: String)
  case clusterOutputExists(path: String)

  /// What the Spark engine does not do.
  public enum Unsupported: Sendable, Equatable {
    case inputFormat(InputFormat)
    case cache
    case periodicityClusterOutput
    case standardInput
  }
}

/// A minimal Spark Connect client: one session, SQL with named parameters, results as Arrow.
///
/// Executions are reattachable: if the result stream breaks before Spark says the result is
/// complete, the client reattaches from the last response it saw, and it releases every
/// execution when done so the server can free its buffers.
struct SparkConnectClient: Sendable {
  let remote: SparkRemote
  let sessionID: String
  /// Seconds a whole execution may take.
  let timeout: Double
  /// Seconds connecting and the first answer may take, apart from `timeout`: a port that accepts
  /// connections but does not speak Spark Connect fails in seconds, not after an hour.
  let connectTimeout: Double
  let progress: any HuntProgress

  init(
    remote: SparkRemote, timeout: Double = SparkEngine.defaultTimeout,
    connectTimeout: Double = SparkEngine.defaultConnectTimeout,
    progress: any HuntProgress
  ) {
    self.remote = remote
    self.timeout = timeout
    self.connectTimeout = connectTimeout
    self.sessionID = remote.sessionID ?? UUIDText.make()
    self.progress = progress
  }

  /// Runs `body` with a connected service client; the connection closes when it returns.
  func withService<R: Sendable>(
    _ body:
      @Sendable (Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>) async throws
      -> R
  ) async throws -> R {
    try handshake()
    let transport: HTTP2ClientTransport.Posix
    do {
      transport = try HTTP2ClientTransport.Posix(
        target: .dns(host: remote.host, port: remote.port),
        transportSecurity: remote.useTLS ? .tls : .plaintext)
    } catch {
      throw SparkError.unreachable(remote: remote.description, detail: "\(error)")
    }
    do {
      return try await withGRPCClient(transport: transport) { client in
        try await body(Spark_Connect_SparkConnectService.Client(wrapping: client))
      }
    } catch let error as RPCError {
      throw Self.explain(error, remote: remote, timeout: timeout)
    }
  }

  /// The HTTP/2 probe under the short connect timeout, before the hunt's queries.
  func handshake() throws(SparkError) {
    switch SparkConnectProbe.probe(
      host: remote.host, port: remote.port, tls: remote.useTLS, seconds: connectTimeout)
    {
    case .speaksHTTP2: return
    case .unreachable(let detail):
      throw .unreachable(remote: remote.description, detail: detail)
    case .silent, .otherProtocol:
      throw .notSparkConnect(remote: remote.description, seconds: connectTimeout)
    }
  }

  /// Turns gRPC failures into messages a user can act on; Spark's own SQL errors pass through.
  static func explain(_ error: RPCError, remote: SparkRemote, timeout: Double) -> SparkError {
    switch error.code {
    case .unavailable:
      return .unreachable(remote: remote.description, detail: error.message)
    case .unauthenticated, .permissionDenied:
      return .credentials(remote: remote.description, detail: error.message)
    case .deadlineExceeded:
      return .timedOut(remote: remote.description, seconds: timeout)
    default:
      return .query(message: error.message)
    }
  }

  var metadata: Metadata {
    var m = Metadata()
    m.addString(remote.userAgent, forKey: "user-agent")
    if let token = remote.token { m.addString("Bearer \(token)", forKey: "authorization") }
    return m
  }

  var userContext: Spark_Connect_UserContext {
    var u = Spark_Connect_UserContext()
    u.userID = remote.userID
    u.userName = remote.userID
    return u
  }

  var callOptions: CallOptions {
    var o = CallOptions.defaults
    o.timeout = .milliseconds(Int64(timeout * 1000))
    o.waitForReady = false  // fail fast with a clear message when nothing listens
    return o
  }

  /// What one execution returned.
  struct Execution: Sendable {
    var operationID: String
    var lastResponseID: String?
    var complete = false
    var arrow: [[UInt8]] = []
  }

  /// Executes a plan and returns the decoded result.
  func execute(
    _ plan: Spark_Connect_Plan,
    service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>
  ) async throws -> ArrowTable {
    let streams = try await rawArrow(plan, service: service)
    var decoder = ArrowStreamDecoder()
    do {
      for chunk in streams { try decoder.decode(chunk) }
    } catch {
      throw SparkError.protocolError(message: "Arrow result: \(error)")
    }
    return decoder.table
  }

  /// Executes a plan and returns the Arrow IPC streams as they arrived.
  func rawArrow(
    _ plan: Spark_Connect_Plan,
    service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>
  ) async throws -> [[UInt8]] {
    var request = Spark_Connect_ExecutePlanRequest()
    request.sessionID = sessionID
    request.userContext = userContext
    request.plan = plan
    request.clientType = "beaconhunt"
    let operationID = UUIDText.make()
    request.operationID = operationID
    var option = Spark_Connect_ExecutePlanRequest.RequestOption()
    option.reattachOptions.reattachable = true
    request.requestOptions = [option]

    var execution = Execution(operationID: operationID)
    let progress = self.progress
    let opts = callOptions
    let meta = metadata
    execution = try await service.executePlan(
      request: ClientRequest(message: request, metadata: meta), options: opts
    ) {
      response in
      var e = Execution(operationID: operationID)
      try await Self.drain(response, into: &e, progress: progress)
      return e
    }
    // A stream that ended without ResultComplete was cut short: reattach from where it stopped.
    var attempts = 0
    while !execution.complete {
      attempts += 1
      guard attempts <= 5 else {
        throw SparkError.protocolError(
          message: "the result stream kept breaking; gave up after 5 reattaches")
      }
      var reattach = Spark_Connect_ReattachExecuteRequest()
      reattach.sessionID = sessionID
      reattach.userContext = userContext
      reattach.operationID = operationID
      reattach.clientType = "beaconhunt"
      if let last = execution.lastResponseID { reattach.lastResponseID = last }
      let sofar = execution
      execution = try await service.reattachExecute(
        request: ClientRequest(message: reattach, metadata: meta), options: opts
      ) {
        response in
        var e = sofar
        try await Self.drain(response, into: &e, progress: progress)
        return e
      }
    }
    await release(operationID, service: service)
    return execution.arrow
  }

  static func drain(
    _ response: StreamingClientResponse<Spark_Connect_ExecutePlanResponse>, into e: inout Execution,
    progress: any HuntProgress
  ) async throws {
    for try await message in response.messages {
      if !message.responseID.isEmpty { e.lastResponseID = message.responseID }
      switch message.responseType {
      case .arrowBatch(let batch): e.arrow.append([UInt8](batch.data))
      case .resultComplete: e.complete = true
      case .executionProgress(let p):
        let tasks = p.stages.reduce(0) { $0 + Int($1.numTasks) }
        let done = p.stages.reduce(0) { $0 + Int($1.numCompletedTasks) }
        progress.update(stage: "spark", done: done, total: tasks > 0 ? tasks : nil, unit: .tasks)
      default: break
      }
    }
  }

  /// Frees the server's buffers for an execution (best effort: a failure here loses nothing).
  func release(
    _ operationID: String,
    service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>
  ) async {
    var r = Spark_Connect_ReleaseExecuteRequest()
    r.sessionID = sessionID
    r.userContext = userContext
    r.operationID = operationID
    r.clientType = "beaconhunt"
    r.releaseAll = Spark_Connect_ReleaseExecuteRequest.ReleaseAll()
    _ = try? await service.releaseExecute(
      request: ClientRequest(message: r, metadata: metadata), options: callOptions
    ) { _ in }
  }

  /// Ends the session on the server (best effort).
  func releaseSession(service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>)
    async
  {
    guard remote.sessionID == nil else { return }  // a session the user named is theirs to keep
    var r = Spark_Connect_ReleaseSessionRequest()
    r.sessionID = sessionID
    r.userContext = userContext
    r.clientType = "beaconhunt"
    _ = try? await service.releaseSession(
      request: ClientRequest(message: r, metadata: metadata), options: callOptions
    ) { _ in }
  }
}

/// Builders for the plans BeaconHunt sends.
enum SparkPlan {
  /// `WITH … SELECT …` over the text lines of `paths`, with named parameters: the paths travel
  /// as protocol fields of a `Read`, referenced from the SQL through `WithRelations`.
  /// `history`, when not empty, is a second view of text lines (`LoadSQL.historyLinesView`).
  static func query(
    _ sql: String, lines paths: [String], history: [String] = [],
    parameters: [String: Spark_Connect_Expression]
  ) -> Spark_Connect_Plan {
    var nextID: Int64 = 0
    func textView(_ paths: [String], as name: String) -> Spark_Connect_Relation {
      var read = Spark_Connect_Relation()
      nextID += 1
      read.common.planID = nextID
      read.read.dataSource.format = "text"
      read.read.dataSource.paths = paths
      read.read.dataSource.options = LoadSQL.textOptions
      var alias = Spark_Connect_Relation()
      nextID += 1
      alias.common.planID = nextID
      alias.subqueryAlias.input = read
      alias.subqueryAlias.alias = name
      return alias
    }
    var references = [textView(paths, as: LoadSQL.linesView)]
    if !history.isEmpty { references.append(textView(history, as: LoadSQL.historyLinesView)) }
    var query = Spark_Connect_Relation()
    nextID += 1
    query.common.planID = nextID
    query.sql.query = sql
    query.sql.namedArguments = parameters
    var with = Spark_Connect_Relation()
    nextID += 1
    with.common.planID = nextID
    with.withRelations.root = query
    with.withRelations.references = references
    var plan = Spark_Connect_Plan()
    plan.root = with
    return plan
  }

  /// A statement that reads no files (`SET …`).
  static func statement(_ sql: String) -> Spark_Connect_Plan {
    var query = Spark_Connect_Relation()
    query.common.planID = 1
    query.sql.query = sql
    var plan = Spark_Connect_Plan()
    plan.root = query
    return plan
  }

  /// The same relation run as a command (for `INSERT OVERWRITE DIRECTORY`).
  static func command(_ relationPlan: Spark_Connect_Plan) -> Spark_Connect_Plan {
    var plan = Spark_Connect_Plan()
    plan.command.sqlCommand.input = relationPlan.root
    return plan
  }

  static func literal(_ v: Bool) -> Spark_Connect_Expression {
    var e = Spark_Connect_Expression()
    e.literal.boolean = v
    return e
  }

  static func literal(_ v: Int64) -> Spark_Connect_Expression {
    var e = Spark_Connect_Expression()
    e.literal.long = v
    return e
  }

  static func literal(_ v: Double) -> Spark_Connect_Expression {
    var e = Spark_Connect_Expression()
    e.literal.double = v
    return e
  }

  static func literal(_ v: String) -> Spark_Connect_Expression {
    var e = Spark_Connect_Expression()
    e.literal.string = v
    return e
  }
}
