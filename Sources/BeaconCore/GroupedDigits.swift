/// 1234567 → "1,234,567".
public func groupedDigits(_ v: Int) -> String {
  let digits = String(v.magnitude)
  var out = ""
  for (k, ch) in digits.enumerated() {
    if k > 0, (digits.count - k) % 3 == 0 { out += "," }
    out.append(ch)
  }
  return (v < 0 ? "-" : "") + out
}
