/// Sizes as people read them: "32 MiB", "32 MiB + 64 KiB", "1.5 GiB", "900 bytes".
enum ByteCount {
    static func text(_ bytes: Int) -> String {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("bytes", 1)]
        var parts: [String] = [], rest = bytes
        for (name, size) in units where rest >= size {
            parts.append("\(rest / size) \(name)")
            rest %= size
        }
        if parts.isEmpty { return "0 bytes" }
        if parts.count <= 2 { return parts.joined(separator: " + ") }
        // Three or more parts read badly: one decimal of the largest unit instead.
        let (name, size) = units.first { bytes >= $0.1 } ?? ("bytes", 1)
        return "\(((Double(bytes) / Double(size)) * 10).rounded() / 10) \(name) (\(bytes) bytes)"
    }
}
