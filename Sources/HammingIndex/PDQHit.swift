public import PDQ

/// One stored hash within the query radius of a needle.
public struct PDQHit: Hashable, Sendable {
    /// What the caller stored with the hash (Vigil packs bank and entry ids into it).
    public var payload: UInt64
    /// The stored hash.
    public var hash: PDQHash
    public var distance: Int
    /// Which needle matched closest: for a dihedral query, the `DihedralVariant` raw value.
    public var needle: Int

    public init(payload: UInt64, hash: PDQHash, distance: Int, needle: Int) {
        self.payload = payload
        self.hash = hash
        self.distance = distance
        self.needle = needle
    }
}

/// Collects hits, keeping for each stored position the closest needle.
struct HitCollector {
    private(set) var best: [UInt32: (distance: Int, needle: Int)] = [:]

    @inline(__always)
    mutating func record(position: UInt32, distance: Int, needle: Int) {
        if let existing = best[position], Self.keeps(existing, over: (distance, needle)) { return }
        best[position] = (distance, needle)
    }

    /// Whether a hit found first stays the hit: the closer needle wins, and a tie goes to the
    /// lower needle, in whatever order slots, segments and chunks find them.
    @inline(__always)
    static func keeps(_ existing: (distance: Int, needle: Int), over found: (distance: Int, needle: Int)) -> Bool {
        existing.distance < found.distance || (existing.distance == found.distance && existing.needle <= found.needle)
    }

    func hits(hashes: UnsafeBufferPointer<PDQHash>, payloads: UnsafeBufferPointer<UInt64>) -> [PDQHit] {
        best.map {
            PDQHit(payload: payloads[Int($0.key)], hash: hashes[Int($0.key)], distance: $0.value.distance, needle: $0.value.needle)
        }
    }
}
