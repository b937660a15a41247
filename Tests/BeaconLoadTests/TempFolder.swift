import Foundation

/// A fresh folder under the system's temporary directory, removed when the test ends.
final class TempFolder {
  let path: String

  init() {
    path = NSTemporaryDirectory() + "beaconhunt-test-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `contents` to `relative` (creating folders) and returns the full path.
  @discardableResult
  func write(_ relative: String, _ contents: String) -> String {
    write(relative, Data(contents.utf8))
  }

  @discardableResult
  func write(_ relative: String, _ data: Data) -> String {
    let full = path + "/" + relative
    try! FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: full, contents: data)
    return full
  }
}
