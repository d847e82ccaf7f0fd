public import PDQ

/// Reproducible PDQ hashes for the index benchmarks (SplitMix64): the same seed gives the same
/// hashes in IndexBench, RetroBench and index-scale/main.swift, which compiles this file with its
/// own (it is built without the package).
public struct BenchmarkHashGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func hash() -> PDQHash { PDQHash(w0: next(), w1: next(), w2: next(), w3: next()) }

    /// `h` with `d` distinct bits flipped.
    public mutating func near(_ h: PDQHash, _ d: Int) -> PDQHash {
        var mask = PDQHash.zero, flipped = 0
        while flipped < d {
            let bit = Int(next() % 256)
            if !mask.bit(bit) { mask.setBit(bit); flipped += 1 }
        }
        return PDQHash(w0: h.w0 ^ mask.w0, w1: h.w1 ^ mask.w1, w2: h.w2 ^ mask.w2, w3: h.w3 ^ mask.w3)
    }

    /// The index benchmarks' data: `count` hashes, random centres each followed, for half of them,
    /// by 10 near-duplicates at distances 1-40; then 2 000 queries of 8 needles (needle 0 a
    /// near-duplicate, 0-31 bits, of a stored hash for every other query, random otherwise; the
    /// other 7 random, as unrelated dihedral variants are).
    public static func indexData(count: Int) -> (hashes: [PDQHash], queries: [PDQHash]) {
        var g = BenchmarkHashGenerator(state: 42)
        var hashes: [PDQHash] = []
        hashes.reserveCapacity(count)
        while hashes.count < count {
            let centre = g.hash()
            hashes.append(centre)
            if g.next() % 2 == 0 { for _ in 0..<min(10, count - hashes.count) { hashes.append(g.near(centre, Int(1 + g.next() % 40))) } }
        }
        var queries: [PDQHash] = []
        for i in 0..<2000 {
            queries.append(i % 2 == 0 ? g.near(hashes[Int(g.next() % UInt64(count))], Int(g.next() % 32)) : g.hash())
            for _ in 0..<7 { queries.append(g.hash()) }
        }
        return (hashes, queries)
    }
}
