import Foundation

/// A fresh folder under the system's temporary directory, removed with everything in it when the
/// value is released: keep it in a local for the test's whole scope.
///
/// Every suite takes its scratch space from here, so no test writes outside a folder of its own
/// and none leaves files behind.
public final class TempFolder {
  public let path: String

  public init() {
    path = NSTemporaryDirectory() + "beaconhunt-test-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The full path of `relative` inside the folder (nothing is created).
  public func path(_ relative: String) -> String { path + "/" + relative }

  /// Writes `contents` to `relative` (creating folders) and returns the full path.
  @discardableResult
  public func write(_ relative: String, _ contents: String) -> String {
    write(relative, Data(contents.utf8))
  }

  @discardableResult
  public func write(_ relative: String, _ data: Data) -> String {
    let full = path(relative)
    try! FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: full, contents: data)
    return full
  }
}
