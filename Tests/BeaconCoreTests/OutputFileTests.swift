import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Only regular files are ever replaced, and only when asked; everything else is a stream or an
/// error, and the files around an output are left as they were.
@Suite struct OutputFileTests {
  let scratch = TempFolder()
  var folder: String { scratch.path }

  func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  func mode(_ path: String) -> mode_t {
    var st = stat()
    stat(path, &st)
    return st.st_mode
  }

  @Test func existingFilesAreNeverReplacedWithoutForce() throws {
    let path = folder + "/f.jsonl"
    try OutputFile.write("first\n", to: path, force: false)
    #expect(throws: OutputError.exists(path: path)) { try OutputFile.check(path, force: false) }
    #expect(throws: OutputError.exists(path: path)) {
      try OutputFile.write("second\n", to: path, force: false)
    }
    #expect(try text(path) == "first\n")
    try OutputFile.write("third\n", to: path, force: true)
    #expect(try text(path) == "third\n")
  }

  /// A cache is the tool's file: an existing one may be rewritten unasked, a missing one may be
  /// made with its folders; anything but a regular file is refused.
  @Test func aCacheFileIsRewrittenUnaskedButOnlyAsARegularFile() throws {
    let cache = folder + "/rdap.json"
    try OutputFile.write("{}\n", to: cache, force: false)
    try OutputFile.checkCacheFile(cache)
    try OutputFile.checkCacheFile(folder + "/not/made/yet/rdap.json")
    #expect(throws: OutputError.self) { try OutputFile.checkCacheFile(folder) }
    symlink(folder + "/nothing", folder + "/dangling")
    #expect(throws: OutputError.self) { try OutputFile.checkCacheFile(folder + "/dangling") }
    mkfifo(folder + "/fifo", 0o600)
    #expect(throws: OutputError.self) { try OutputFile.checkCacheFile(folder + "/fifo") }
    // An existing file as an output still needs `force`.
    #expect(throws: OutputError.exists(path: cache)) { try OutputFile.check(cache, force: false) }
  }

  @Test func aReplacedFileKeepsItsModeAndALinkStaysALink() throws {
    let path = folder + "/secret.jsonl"
    try OutputFile.write("old\n", to: path, force: false)
    chmod(path, 0o600)
    try OutputFile.write("new\n", to: path, force: true)
    #expect(mode(path) & 0o777 == 0o600)
    let link = folder + "/link.jsonl"
    symlink(path, link)
    try OutputFile.write("through the link\n", to: link, force: true)
    var st = stat()
    lstat(link, &st)
    #expect(st.st_mode & S_IFMT == S_IFLNK)
    #expect(try text(path) == "through the link\n")
    // Nothing is left beside it.
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
        "link.jsonl", "secret.jsonl",
      ])
  }

  @Test func aFIFOIsWrittenAsAStreamNeverReplaced() throws {
    let fifo = folder + "/pipe"
    #expect(mkfifo(fifo, 0o644) == 0)
    // Nobody reads it: the write fails at once instead of hanging, and the FIFO stays.
    #expect(throws: OutputError.self) { try OutputFile.write("x\n", to: fifo, force: true) }
    #expect(mode(fifo) & S_IFMT == S_IFIFO)
    // With a reader, the text goes through it.
    let reader = Thread {
      let fd = open(fifo, O_RDONLY)
      var buffer = [UInt8](repeating: 0, count: 64)
      _ = read(fd, &buffer, 64)
      close(fd)
    }
    reader.start()
    var written = false
    for _ in 0..<200 where !written {
      written = (try? OutputFile.write("through the pipe\n", to: fifo, force: true)) != nil
      if !written { usleep(10_000) }
    }
    #expect(written)
    #expect(mode(fifo) & S_IFMT == S_IFIFO)
  }

  @Test func aDeviceNodeIsWrittenNeverReplaced() throws {
    // A character device of our own (the null device's numbers) in the test's folder, never a
    // system path. Creating one needs root, which CI is.
    guard getuid() == 0 else {
      Issue.record("needs root to make a device node (CI runs as root)")
      return
    }
    let node = folder + "/null"
    #expect(mknod(node, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
    try OutputFile.check(node, force: false)
    try OutputFile.write("discarded\n", to: node, force: true)
    #expect(mode(node) & S_IFMT == S_IFCHR)
  }

  @Test func foldersAndMissingFoldersAreRefusedBeforeAnythingIsWritten() throws {
    #expect(throws: OutputError.notWritable(path: folder, kind: "a folder")) {
      try OutputFile.check(folder, force: true)
    }
    let missing = folder + "/no/such/f.jsonl"
    #expect(throws: OutputError.folderMissing(path: missing, folder: folder + "/no/such")) {
      try OutputFile.check(missing, force: false)
    }
    let broken = folder + "/broken"
    symlink(folder + "/nowhere", broken)
    #expect(throws: OutputError.self) { try OutputFile.check(broken, force: true) }
  }

  @Test func aCacheFolderMustBeAFolderOrMakeable() throws {
    try OutputFile.checkFolder(folder)
    try OutputFile.checkFolder(folder + "/new-cache")
    try OutputFile.write("x", to: folder + "/file", force: false)
    #expect(throws: OutputError.notWritable(path: folder + "/file", kind: "a regular file")) {
      try OutputFile.checkFolder(folder + "/file")
    }
    #expect(throws: OutputError.folderMissing(path: folder + "/a/b", folder: folder + "/a")) {
      try OutputFile.checkFolder(folder + "/a/b")
    }
  }

  @Test func twoOutputsNamingOneFileAreRefused() throws {
    let a = folder + "/a.jsonl"
    #expect(throws: OutputError.sameFile(first: a, second: a)) {
      try OutputFile.checkDistinct([a, a])
    }
    let dotted = folder + "/./a.jsonl"
    #expect(throws: OutputError.self) { try OutputFile.checkDistinct([a, dotted]) }
    try OutputFile.write("x", to: a, force: false)
    let link = folder + "/b.jsonl"
    symlink(a, link)
    #expect(throws: OutputError.sameFile(first: a, second: link)) {
      try OutputFile.checkDistinct([a, link])
    }
    try OutputFile.checkDistinct([a, folder + "/c.jsonl"])
  }

  @Test func pathPartsAreReadWithoutFoundation() {
    #expect(OutputFile.parent(of: "X") == ".")
    #expect(OutputFile.parent(of: "/X") == "/")
    #expect(OutputFile.parent(of: "a/b/c.json") == "a/b")
    #expect(OutputFile.name(of: "a/b/c.json") == "c.json")
    #expect(OutputFile.name(of: "X") == "X")
  }
}
