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

/// The review of the set semantics: the cases where the presence check decides.
@Suite struct PDQIndexPresenceTests {
    @Test func oneHashUnderSeveralPayloadsIsSeveralPairs() {
        var generator = HashGenerator(seed: 12)
        let index = PDQIndex()
        let hash = generator.randomHash()
        index.insert([hash, hash], payloads: [1, 2])
        index.remove([hash], payloads: [1])
        #expect(!PDQIndexSetTests.finds(index, hash, 1) && PDQIndexSetTests.finds(index, hash, 2))
        index.remove([hash], payloads: [3])  // never stored, below the highest payload
        #expect(index.snapshot.count == 1)
        index.insert([hash], payloads: [3])
        #expect(PDQIndexSetTests.finds(index, hash, 3) && index.snapshot.count == 2)
    }

    /// Pairs stored in multi-index segments (after merges) and in the load: re-inserting them,
    /// more than one needle chunk at once, stores nothing; a lower payload not stored is stored.
    @Test func presenceIsCheckedInEverySegmentKind() {
        var generator = HashGenerator(seed: 13)
        let index = PDQIndex()
        let loaded = (0..<5000).map { _ in generator.randomHash() }
        index.load(loaded, payloads: loaded.indices.map { UInt64(10_000 + $0) })
        PDQIndexSetTests.forceMerges(index, generator: &generator)
        let before = index.snapshot.count
        index.insert(loaded, payloads: loaded.indices.map { UInt64(10_000 + $0) })
        #expect(index.snapshot.count == before)
        let lower = generator.randomHash()
        index.insert([lower], payloads: [5])
        #expect(PDQIndexSetTests.finds(index, lower, 5) && index.snapshot.count == before + 1)
        // Removed, merged away with its tombstone, inserted again: found.
        index.remove([loaded[0]], payloads: [10_000])
        PDQIndexSetTests.forceMerges(index, generator: &generator)
        index.insert([loaded[0]], payloads: [10_000])
        #expect(PDQIndexSetTests.finds(index, loaded[0], 10_000))
    }

    @Test func oneBatchOfEveryKindOfPair() {
        var generator = HashGenerator(seed: 14)
        let index = PDQIndex()
        let (tombstoned, live, fresh, absent) = (generator.randomHash(), generator.randomHash(), generator.randomHash(), generator.randomHash())
        index.insert([tombstoned, live], payloads: [20, 21])
        index.remove([tombstoned], payloads: [20])
        index.insert([tombstoned, live, fresh, absent, fresh], payloads: [20, 21, 30, 4, 30])
        for (hash, payload) in [(tombstoned, UInt64(20)), (live, 21), (fresh, 30), (absent, 4)] {
            #expect(PDQIndexSetTests.finds(index, hash, payload), "\(payload)")
        }
        #expect(index.snapshot.count == 4)
    }
}
