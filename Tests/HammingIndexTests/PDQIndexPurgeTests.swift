import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// A bank deleted is a quarter or more of the index removed at once: the segments holding the
/// removed pairs are rewritten without them (memory given back, searches no longer visit them),
/// and the index answers exactly as before the rewrite.
@Suite struct PDQIndexPurgeTests {
    @Test func removingAQuarterRewritesTheSegmentsAndSearchesStayExact() throws {
        var generator = HashGenerator(seed: 21)
        let hashes = (0..<24_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(hashes, payloads: hashes.indices.map { UInt64($0) })
        let loadedBytes = index.snapshot.byteCount
        // As the change-log follower applies a deletion: batches of 2 000, 8 000 pairs in all.
        for start in stride(from: 0, to: 8_000, by: 2_000) {
            index.remove(Array(hashes[start..<(start + 2_000)]), payloads: (start..<(start + 2_000)).map { UInt64($0) })
        }
        let snapshot = index.snapshot
        #expect(snapshot.count == 16_000)
        #expect(snapshot.byteCount < loadedBytes * 3 / 4, "the removed pairs' memory is given back")
        // Exact after the rewrite: near queries find exactly the pairs still stored.
        for position in stride(from: 0, to: 24_000, by: 997) {
            let query = generator.near(hashes[position], distance: 12)
            let want = Set(hashes.indices.filter { $0 >= 8_000 && hashes[$0].distance(to: query) <= 31 }.map { UInt64($0) })
            #expect(Set(snapshot.search([query], radius: 31).map(\.payload)) == want, "query near \(position)")
        }
        // The rewrite forgot its tombstones, not its set: a removed pair inserted again is stored
        // once, and removed again it is gone.
        index.insert([hashes[5]], payloads: [5])
        index.insert([hashes[5]], payloads: [5])
        #expect(index.snapshot.count == 16_001)
        #expect(index.snapshot.search([hashes[5]], radius: 0).map(\.payload) == [5])
        index.remove([hashes[5], hashes[6]], payloads: [5, 6])
        #expect(index.snapshot.count == 16_000)
        #expect(index.snapshot.search([hashes[5]], radius: 0).isEmpty)
    }

    /// Below a quarter nothing is rewritten: the removed pairs are tombstones, still exact.
    @Test func fewRemovalsStayTombstones() {
        var generator = HashGenerator(seed: 22)
        let hashes = (0..<24_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(hashes, payloads: hashes.indices.map { UInt64($0) })
        let loadedBytes = index.snapshot.byteCount
        index.remove(Array(hashes[0..<5_000]), payloads: (0..<5_000).map { UInt64($0) })
        #expect(index.snapshot.byteCount == loadedBytes)
        #expect(index.snapshot.count == 19_000)
        #expect(index.snapshot.search([hashes[10]], radius: 0).isEmpty)
        #expect(index.snapshot.search([hashes[10_000]], radius: 0).map(\.payload) == [10_000])
    }
}
