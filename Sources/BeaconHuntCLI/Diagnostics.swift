import ArgumentParser
import BeaconCore
import BeaconEnrich
import BeaconExport
import BeaconLoad
import BeaconPeriodicity
import BeaconSimulate
import BeaconSpark

/// The exit codes of `beaconhunt` (documented in the README's "Failure behaviour").
enum ExitStatus: Int32, CaseIterable {
  /// The run did what was asked (with or without findings).
  case success = 0
  /// An unexpected failure (a bug).
  case failure = 1
  /// Findings (and the report) were written, but part of the enrichment failed; rows say what.
  case partial = 2
  /// `--strict` refused input with skipped lines or files; no findings written.
  case strict = 3
  /// The input could not be read at all: no such file, no files for the day, a bad --root.
  case input = 4
  /// An output could not be written: it exists (without --force), its folder is missing, a
  /// write failed (a full disk, a closed pipe).
  case output = 5
  /// The engine failed: Spark unreachable, not Spark Connect, a query that failed or timed out.
  case engine = 6
  /// A bad option or argument (ArgumentParser's code, EX_USAGE).
  case usage = 64
}

/// Turns the modules' typed errors into one readable line and an exit status. Flags are named
/// here only; every path and value from the user or the data is escaped for the terminal.
enum Diagnostics {
  static func show(_ s: String) -> String { TableText.visible(s) }

  static func describe(_ error: any Error) -> (message: String, status: ExitStatus)? {
    switch error {
    case let e as LoadError: return (load(e), .input)
    case let e as OutputError:
      if case .sameFile = e { return (output(e), .usage) }
      return (output(e), .output)
    case let e as PrepareError: return (prepare(e), .usage)
    case let e as EnrichError:
      // A findings file without the column is bad input; the rest are the options' files.
      return (enrich(e), e == .noDestinationColumn ? .input : .usage)
    case let e as TextFileError: return (textFile(e, flag: nil), .input)
    case let e as FindingsFileError: return (findings(e), .input)
    case let e as SparkError: return spark(e)
    case let e as SpillError:
      let (what, folder, reason) =
        switch e {
        case .cannotCreate(let f, let r): ("cannot make a file", f, r)
        case .writeFailed(let f, let r): ("a write failed", f, r)
        case .readFailed(let f, let r): ("a read failed", f, r)
        }
      return (
        "the hunt's state passed --memory-limit and had to go to disk, but \(what) in "
          + "\(show(folder)) (\(show(reason))); free space there, choose --temp-directory, or raise --memory-limit",
        .output
      )
    case let e as BaselineError:
      switch e {
      case .cacheNotWritten(let folder, let detail):
        return ("--cache \(show(folder)): \(output(detail))", .output)
      }
    case let e as SimulateError:
      switch e {
      case .folderNotEmpty(let p):
        return ("\(show(p)) is not empty; choose a new folder (simulate never overwrites)", .output)
      case .cannotWrite(let p): return ("\(show(p)): cannot write", .output)
      }
    default: return nil
    }
  }

  static func load(_ e: LoadError) -> String {
    switch e {
    case .noSuchInput(let p): "\(show(p)): no such file or folder"
    case .emptyFolder(let p): "\(show(p)): folder holds no files"
    case .unreadableInput(let p, let reason): "\(show(p)): cannot read (\(show(reason)))"
    case .noFilesForDay(let date, let folders):
      "no files for \(date): looked in "
        + folders.map(show).joined(separator: ", ") + " (check --end-date and --root)"
    case .rootMissing(let p): "--root: folder \(show(p)) does not exist"
    case .rootNotAFolder(let p): "--root: \(show(p)) is not a folder"
    case .rootWithoutLayout(let p):
      "--root: \(show(p)) has neither layout BeaconHunt knows: a Log Analytics export "
        + "(y=YYYY/m=MM/d=DD/…; point it at the container or at the WorkspaceResourceId=…/workspaces/<name> folder) "
        + "or a Zeek log archive (YYYY-MM-DD/conn.HH:MM:SS-HH:MM:SS.log.gz, current/conn.log)"
    }
  }

  static func output(_ e: OutputError) -> String {
    switch e {
    case .exists(let p): "\(show(p)) already exists; use --force to replace it"
    case .notWritable(let p, let kind): "\(show(p)) is \(kind): not written"
    case .folderMissing(let p, let folder):
      "\(show(p)): the folder \(show(folder)) does not exist"
    case .folderNotWritable(let p, let folder):
      "\(show(p)): the folder \(show(folder)) is not writable"
    case .cannotCreate(let p, let reason): "\(show(p)): cannot create (\(show(reason)))"
    case .writeFailed(let p, let reason): "\(show(p)): write failed (\(show(reason)))"
    case .cannotReplace(let p, let reason): "\(show(p)): cannot replace (\(show(reason)))"
    case .sameFile(let a, let b):
      a == b
        ? "\(show(a)) is named by two outputs; give each output its own file"
        : "\(show(a)) and \(show(b)) are the same file; give each output its own file"
    }
  }

  static func textFile(_ e: TextFileError, flag: String?) -> String {
    let prefix = flag.map { "\($0) " } ?? ""
    switch e {
    case .notFound(let p): return "\(prefix)\(show(p)): no such file"
    case .notRegular(let p, let kind): return "\(prefix)\(show(p)) is \(kind), not a regular file"
    case .tooLarge(let p, let limit):
      return "\(prefix)\(show(p)): larger than \(InputLimits.text(Int64(limit)))"
    case .unreadable(let p, let reason): return "\(prefix)\(show(p)): cannot read (\(show(reason)))"
    }
  }

  static func prepare(_ e: PrepareError) -> String {
    switch e {
    case .badNetwork(let t): "--internal \(show(t)): not a CIDR network (e.g. 10.0.0.0/8)"
    case .allowlistFile(let f): textFile(f, flag: "--allow")
    case .allowlistNotText(let p): "--allow \(show(p)): not UTF-8 text"
    case .allowlistEntry(let p, let line, let text):
      "--allow \(show(p)):\(line): \(show(text.debugDescription)) is not an IP, a CIDR network or a host name"
    }
  }

  static func flag(_ s: EnrichError.Source) -> String {
    switch s {
    case .geoIP: "--geoip-db"
    case .asn: "--asn-db"
    case .feed: "--ti"
    case .rdapCache: "--rdap-cache"
    }
  }

  static func enrich(_ e: EnrichError) -> String {
    switch e {
    case .file(let source, let f): textFile(f, flag: flag(source))
    case .database(let source, let path, let detail):
      "\(flag(source)) \(show(path)): \(show(detail.hasPrefix(path + ": ") ? String(detail.dropFirst(path.count + 2)) : detail))"
    case .wrongDatabase(.asn, let path, let type):
      "--asn-db \(show(path)): a \(show(type)) database, not an ASN one"
    case .wrongDatabase(let source, let path, let type):
      "\(flag(source)) \(show(path)): a \(show(type)) database, not a City or Country one"
    case .feed(let path, let line, let message):
      "--ti \(show(path))" + (line.map { ":\($0)" } ?? "") + ": \(show(message))"
    case .noDestinationColumn: "the findings have no DestinationIP column"
    case .rdapCache(let path, let reason): "--rdap-cache \(show(path)): \(show(reason))"
    case .rdapNotHTTPS(let url):
      "--rdap-bootstrap \(show(url)) is not HTTPS (plain HTTP only for 127.0.0.1)"
    }
  }

  static func findings(_ e: FindingsFileError) -> String {
    switch e {
    case .file(let f): textFile(f, flag: nil)
    case .notJSONArray(let p): "\(show(p)): not a JSON array of findings"
    case .notJSONObject(let p, let line): "\(show(p)):\(line): not a JSON object"
    case .nestedValue(let p, let k, let column):
      "\(show(p)): finding \(k): \(show(column)) holds a nested value"
    }
  }

  static func spark(_ e: SparkError) -> (String, ExitStatus) {
    switch e {
    case .badRemote(let text, let reason):
      return ("--spark-remote \(show(text)): \(show(reason))", .usage)
    case .unreachable(let remote, let detail):
      return (
        "cannot reach Spark Connect at \(show(remote)): \(show(detail)). Is the server running, and is the port right?",
        .engine
      )
    case .notSparkConnect(let remote, let seconds):
      return (
        "\(show(remote)) accepted the connection but gave no Spark Connect answer within \(SummaryText.seconds(seconds)) (--spark-connect-timeout): is that port a Spark Connect server?",
        .engine
      )
    case .credentials(let remote, let detail):
      return ("Spark Connect at \(show(remote)) refused the credentials: \(show(detail))", .engine)
    case .timedOut(let remote, let seconds):
      return (
        "Spark Connect at \(show(remote)): a query did not finish within \(SummaryText.seconds(seconds)) (--spark-timeout)",
        .engine
      )
    case .query(let message): return ("Spark: \(show(message))", .engine)
    case .protocolError(let message): return ("Spark: \(show(message))", .engine)
    case .clusterOutputUnchecked(let p):
      return (
        "--spark-output \(show(p)): the cluster replaces that directory and BeaconHunt cannot check it; add --force to confirm",
        .usage
      )
    case .clusterOutputExists(let p):
      return ("--spark-output \(show(p)) already exists; use --force to replace it", .output)
    case .unsupported(let what):
      switch what {
      case .inputFormat(let f):
        return (
          "--input-format \(f.rawValue): the Spark engine reads the Log Analytics export (CommonSecurityLog JSON lines) only; use --engine native",
          .usage
        )
      case .cache:
        return (
          "--cache is for the native engine: on Spark the history days are summarised on the cluster",
          .usage
        )
      case .periodicityClusterOutput:
        return (
          "--spark-output writes notebook findings; for --method periodicity write them with --output",
          .usage
        )
      case .standardInput:
        return ("standard input cannot be sent to a Spark cluster; give files or folders", .usage)
      }
    }
  }
}
