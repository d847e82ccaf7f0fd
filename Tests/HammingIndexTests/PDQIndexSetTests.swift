import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// The index holds a set of (hash, payload) pairs: a pair is in it or not, whatever order inserts
/// and removes of it came in, and a merge of segments changes nothing. (Issue 33's first review:
/// removing a pair never stored left a tombstone that a later insert "revived" without storing the
/// pair, so it was never found; inserting a pair twice stored it twice, and one remove hid both
/// until a merge brought one back.)
@Suite struct PDQIndexSetTests {
    static func finds(_ index: PDQIndex, _ hash: PDQHash, _ payload: UInt64) -> Bool {
        index.snapshot.search([hash], radius: 0).contains { $0.payload == payload && $0.hash == hash }
    }

    /// Enough other hashes, inserted a batch at a time, to make the index merge its segments.
    static func forceMerges(_ index: PDQIndex, generator: inout HashGenerator) {
        for batch in 0..<6 {
            let hashes = (0..<(PDQIndex.flatLimit + 1)).map { _ in generator.randomHash() }
            index.insert(hashes, payloads: hashes.indices.map { UInt64(1_000_000 + batch * 10_000 + $0) })
        }
    }

    @Test func aPairRemovedBeforeItWasInsertedIsFoundOnceInserted() {
        var generator = HashGenerator(seed: 5)
        let index = PDQIndex()
        let hash = generator.randomHash()
        index.remove([hash], payloads: [7])
        index.insert([hash], payloads: [7])
        #expect(Self.finds(index, hash, 7))
        #expect(index.snapshot.count == 1)
        Self.forceMerges(index, generator: &generator)
        #expect(Self.finds(index, hash, 7), "after merges")
    }

    @Test func aPairInsertedTwiceIsStoredOnceAndOneRemoveRemovesIt() {
        var generator = HashGenerator(seed: 6)
        let index = PDQIndex()
        let hash = generator.randomHash()
        index.insert([hash], payloads: [9])
        index.insert([hash, hash], payloads: [9, 9])
        #expect(index.snapshot.count == 1)
        index.remove([hash], payloads: [9])
        #expect(!Self.finds(index, hash, 9))
        #expect(index.snapshot.count == 0)
        Self.forceMerges(index, generator: &generator)
        #expect(!Self.finds(index, hash, 9), "after merges")
    }

    @Test func removesAndInsertsInAnyOrderLeaveTheLastWord() {
        var generator = HashGenerator(seed: 8)
        let index = PDQIndex()
        let hash = generator.randomHash()
        index.remove([hash], payloads: [3])
        index.remove([hash], payloads: [3])
        index.insert([hash], payloads: [3])
        #expect(Self.finds(index, hash, 3))
        index.remove([hash], payloads: [3])
        index.insert([hash], payloads: [3])
        index.insert([hash], payloads: [3])
        index.remove([hash], payloads: [3])
        #expect(!Self.finds(index, hash, 3))
        index.insert([hash], payloads: [3])
        Self.forceMerges(index, generator: &generator)
        #expect(Self.finds(index, hash, 3))
        #expect(index.snapshot.count == 1 + 6 * (PDQIndex.flatLimit + 1))
    }
}
