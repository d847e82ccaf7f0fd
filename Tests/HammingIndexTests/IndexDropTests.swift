import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// A bank deleted leaves the indexes in one pass (`removeAll(where:)`): every pair whose payload
/// it names goes, whichever segment (or map) holds it; pairs removed before stay removed; the rest
/// answer exactly as brute force does, and the index is still a set afterwards.
@Suite struct IndexDropTests {
    /// Payloads name a "bank" in their low two bits, as `MatchIndex` packs them.
    static func bank(_ payload: UInt64) -> UInt64 { payload & 3 }

    @Test func aPDQIndexDropsEveryPairOfABankInOnePass() {
        var generator = HashGenerator(seed: 41)
        let hashes = (0..<26_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        // A loaded segment, then later inserts in a flat one.
        index.load(Array(hashes[0..<20_000]), payloads: (0..<20_000).map { UInt64($0) })
        for start in stride(from: 20_000, to: 26_000, by: 1_500) {
            index.insert(Array(hashes[start..<(start + 1_500)]), payloads: (start..<(start + 1_500)).map { UInt64($0) })
        }
        #expect(index.snapshot.segmentCount > 1)
        // A few removals, of the bank dropped and of another, left as tombstones (far below a quarter).
        let removedBefore = Set(stride(from: 1, to: 26_000, by: 10).map { UInt64($0) })
        index.remove(removedBefore.map { hashes[Int($0)] }, payloads: Array(removedBefore))
        let bytes = index.snapshot.byteCount

        index.removeAll { Self.bank($0) == 1 }
        let kept = Set((0..<26_000).map { UInt64($0) }.filter { Self.bank($0) != 1 && !removedBefore.contains($0) })
        let snapshot = index.snapshot
        #expect(snapshot.count == kept.count)
        #expect(snapshot.byteCount < bytes * 9 / 10, "the dropped pairs' memory is given back")
        for position in stride(from: 0, to: 26_000, by: 611) {
            let query = generator.near(hashes[position], distance: 10)
            let want = Set(kept.filter { hashes[Int($0)].distance(to: query) <= 31 })
            #expect(Set(snapshot.search([query], radius: 31).map(\.payload)) == want, "query near \(position)")
        }
        // Still a set: a dropped pair inserted again is stored once, a kept one not twice.
        index.insert([hashes[1], hashes[1], hashes[4]], payloads: [1, 1, 4])
        #expect(index.snapshot.count == kept.count + 1)
        #expect(index.snapshot.search([hashes[1]], radius: 0).map(\.payload) == [1])
    }

    /// A small bank dropped from a large index: its pairs are tombstones, nothing is rewritten
    /// (a rewrite is a build of the whole segment: seconds at 10M, on every replica); the digest
    /// index likewise keeps them as removals.
    @Test func aSmallDropRewritesNothing() {
        var generator = HashGenerator(seed: 42)
        let hashes = (0..<20_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(hashes, payloads: hashes.indices.map { UInt64($0) })
        let bytes = index.snapshot.byteCount
        index.removeAll { $0 == 5 || $0 == 17_001 }
        index.removeAll { $0 == 99_999 }  // names nothing stored
        #expect(index.snapshot.byteCount == bytes)
        #expect(index.snapshot.count == 19_998)
        #expect(index.snapshot.search([hashes[5]], radius: 0).isEmpty && index.snapshot.search([hashes[17_001]], radius: 0).isEmpty)
        #expect(index.snapshot.search([hashes[6]], radius: 0).map(\.payload) == [6])
        // A pair removed before and named by a drop counts once.
        index.remove([hashes[6]], payloads: [6])
        index.removeAll { $0 == 6 || $0 == 7 }
        #expect(index.snapshot.count == 19_996 && index.snapshot.byteCount == bytes)
        #expect(index.snapshot.search([hashes[6]], radius: 0).isEmpty && index.snapshot.search([hashes[7]], radius: 0).isEmpty)

        let digests = ExactIndex<String>()
        digests.load((0..<2_000).map { "k\($0 / 2)" }, payloads: (0..<2_000).map { UInt64($0) })
        digests.remove(["k500"], payloads: [1_000])
        digests.removeAll { $0 == 7 || $0 == 1_000 }
        #expect(digests.snapshot.count == 1_998)
        #expect(digests.snapshot.lookup("k500") == [1_001])
        #expect(digests.snapshot.lookup("k3") == [6] && digests.snapshot.lookup("k4") == [8, 9])
        digests.insert(["k3"], payloads: [7])
        #expect(digests.snapshot.lookup("k3").sorted() == [6, 7] && digests.snapshot.count == 1_999)
    }

    @Test func anExactIndexDropsEveryPairOfABankInOnePass() {
        let index = ExactIndex<String>()
        // Keys shared by several banks' entries, as one image in several banks.
        let keys = (0..<4_000).map { "k\($0 / 4)" }
        index.load(Array(keys[0..<3_000]), payloads: (0..<3_000).map { UInt64($0) })
        index.insert(Array(keys[3_000...]), payloads: (3_000..<4_000).map { UInt64($0) })
        // Removed before: pairs of the bank dropped and of others.
        index.remove(["k10", "k10", "k900"], payloads: [40, 41, 3_601])

        index.removeAll { Self.bank($0) == 1 }
        let kept = (0..<4_000).map { UInt64($0) }.filter { Self.bank($0) != 1 && $0 != 40 }
        #expect(index.snapshot.count == kept.count)
        for key in Set(keys) {
            let want = Set(kept.filter { keys[Int($0)] == key })
            #expect(Set(index.snapshot.lookup(key)) == want, "\(key)")
        }
        index.insert(["k0", "k0"], payloads: [1, 2])
        #expect(index.snapshot.lookup("k0").sorted() == [0, 1, 2, 3])
    }
}
