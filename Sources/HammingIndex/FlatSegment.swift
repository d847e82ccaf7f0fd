import PDQ

/// A linear scan over packed hashes: every stored hash against every needle. Best for small
/// segments and for radii too large for multi-index hashing.
struct FlatSegment: Sendable {
    let hashes: [PDQHash]
    let payloads: [UInt64]

    var count: Int { hashes.count }

    func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        hashes.withUnsafeBufferPointer { stored in
            payloads.withUnsafeBufferPointer { payloads in
                Self.search(stored, payloads: payloads, needles, radius: radius)
            }
        }
    }

    static func search(_ stored: UnsafeBufferPointer<PDQHash>, payloads: UnsafeBufferPointer<UInt64>,
                       _ needles: [PDQHash], radius: Int) -> [PDQHit] {
        var collector = HitCollector()
        needles.withUnsafeBufferPointer { needles in
            for i in 0..<stored.count {
                let h = stored[i]
                for n in 0..<needles.count {
                    let d = h.distance(to: needles[n])
                    if d <= radius { collector.record(position: UInt32(i), distance: d, needle: n) }
                }
            }
        }
        return collector.hits(hashes: stored, payloads: payloads)
    }
}
