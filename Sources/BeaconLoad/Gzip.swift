import CZlib

/// Inflates a gzip file's bytes (all members, as `gzip -d` does).
///
/// Returns what was decoded and, when the stream is corrupt or cut short, why it stopped: the
/// caller keeps the complete lines decoded before the damage and reports the rest.
func gunzip(_ input: UnsafeRawBufferPointer) -> (data: [UInt8], error: String?) {
  var out = [UInt8]()
  out.reserveCapacity(input.count * 6)
  var stream = z_stream()
  // 15 window bits + 16: expect a gzip header.
  guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
  else {
    return ([], "zlib could not start")
  }
  defer { inflateEnd(&stream) }
  guard let base = input.baseAddress, input.count > 0 else { return ([], nil) }
  stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
  stream.avail_in = uInt(input.count)
  let chunk = 1 << 20
  var buffer = [UInt8](repeating: 0, count: chunk)
  while true {
    let (status, produced) = buffer.withUnsafeMutableBufferPointer { b -> (Int32, Int) in
      stream.next_out = b.baseAddress
      stream.avail_out = uInt(chunk)
      let s = inflate(&stream, Z_NO_FLUSH)
      return (s, chunk - Int(stream.avail_out))
    }
    out.append(contentsOf: buffer[0..<produced])
    switch status {
    case Z_OK:
      continue
    case Z_STREAM_END:
      if stream.avail_in == 0 { return (out, nil) }
      inflateReset(&stream)  // another gzip member follows
    case Z_BUF_ERROR where stream.avail_in == 0:
      return (out, "compressed data ends early (truncated .gz)")
    default:
      let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
      return (out, "corrupt gzip data: \(message)")
    }
  }
}
