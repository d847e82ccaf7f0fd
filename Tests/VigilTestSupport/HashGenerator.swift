public import PDQ

/// Deterministic PDQ-like test data: random hashes plus clusters of near-duplicates.
public struct HashGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func randomHash() -> PDQHash {
        PDQHash(w0: next(), w1: next(), w2: next(), w3: next())
    }

    /// `hash` with exactly `distance` distinct bits flipped.
    public mutating func near(_ hash: PDQHash, distance: Int) -> PDQHash {
        var bits = Set<Int>()
        while bits.count < distance { bits.insert(Int(next() % 256)) }
        return bits.reduce(hash) { $0.flippingBit($1) }
    }

    /// `count` hashes: a fraction are random, the rest clusters of near-duplicates (distance 1–40)
    /// around random centres.
    public mutating func clustered(count: Int, clusterSize: Int = 20) -> [PDQHash] {
        var out: [PDQHash] = []
        out.reserveCapacity(count)
        while out.count < count {
            let centre = randomHash()
            out.append(centre)
            if next() % 2 == 0 {
                for _ in 0..<min(clusterSize, count - out.count) {
                    out.append(near(centre, distance: Int(1 + next() % 40)))
                }
            }
        }
        return Array(out.prefix(count))
    }
}
