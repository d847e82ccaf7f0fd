import HammingIndex
import Testing

/// The digest index holds a set of (digest, payload) pairs, as `PDQIndex` does: its count is the
/// number of pairs a lookup can return, whatever order the change log's inserts and removes come
/// in (a follower replays removes of entries it never loaded, and an insert it already applied).
@Suite struct ExactIndexSetTests {
    @Test func removingAPairNeverStoredChangesNothing() {
        let index = ExactIndex<String>()
        index.load(["a"], payloads: [1])
        index.remove(["a", "b"], payloads: [2, 1])
        #expect(index.snapshot.count == 1)
        #expect(index.snapshot.lookup("a") == [1])
        // Inserted after its stray remove, it is stored and counted once.
        index.insert(["b"], payloads: [1])
        #expect(index.snapshot.count == 2)
        #expect(index.snapshot.lookup("b") == [1])
    }

    @Test func insertingAStoredPairAgainStoresItOnce() {
        let index = ExactIndex<String>()
        index.load(["a", "a"], payloads: [1, 1])
        #expect(index.snapshot.count == 1)
        index.insert(["a", "c", "c"], payloads: [1, 2, 2])
        #expect(index.snapshot.count == 2)
        // One remove takes it away, before and after the delta is folded into the base.
        index.remove(["c"], payloads: [2])
        #expect(index.snapshot.count == 1 && index.snapshot.lookup("c").isEmpty)
        index.insert(["c"], payloads: [2])
        for i in 0..<3_000 { index.insert(["k\(i)"], payloads: [UInt64(i + 10)]) }
        index.remove(["c"], payloads: [2])
        #expect(index.snapshot.lookup("c").isEmpty)
        #expect(index.snapshot.count == 3_001)
    }

    @Test func aPairRemovedTwiceThenInsertedIsBack() {
        let index = ExactIndex<String>()
        index.insert(["a"], payloads: [1])
        index.remove(["a"], payloads: [1])
        index.remove(["a"], payloads: [1])
        #expect(index.snapshot.count == 0)
        index.insert(["a"], payloads: [1])
        #expect(index.snapshot.count == 1 && index.snapshot.lookup("a") == [1])
    }
}

/// A bank deleted from the digest index: removals past a quarter are folded into the base, and
/// the index answers as before.
@Suite struct ExactIndexDeletionTests {
    @Test func aLargeRemovalIsFoldedAndLookupsStayExact() {
        let index = ExactIndex<String>()
        let keys = (0..<40_000).map { "digest-\($0)" }
        index.load(keys, payloads: keys.indices.map { UInt64($0) })
        for start in stride(from: 0, to: 14_000, by: 2_000) {
            index.remove(Array(keys[start..<(start + 2_000)]), payloads: (start..<(start + 2_000)).map { UInt64($0) })
        }
        let snapshot = index.snapshot
        #expect(snapshot.count == 26_000)
        #expect(snapshot.lookup("digest-13999").isEmpty && snapshot.lookup("digest-14000") == [14_000])
        index.insert(["digest-7"], payloads: [7])
        index.remove(["digest-8"], payloads: [8])
        #expect(index.snapshot.lookup("digest-7") == [7] && index.snapshot.count == 26_001)
    }
}

/// Past 16 384 removals the removed pairs move to the settled set. A pair removed again after
/// that, then inserted, is back (its second removal was recorded in the recent set too, and the
/// insert cleared only that one, so the pair stayed hidden and the next fold dropped it).
@Suite struct ExactIndexSettledRemovalTests {
    @Test func aPairRemovedTwiceAcrossTheSettledSetThenInsertedIsFound() {
        let index = ExactIndex<String>()
        let keys = (0..<70_000).map { "digest-\($0)" }
        index.load(keys, payloads: keys.indices.map { UInt64($0) })
        for start in stride(from: 0, to: 17_000, by: 2_000) {
            let end = min(start + 2_000, 17_000)
            index.remove(Array(keys[start..<end]), payloads: (start..<end).map { UInt64($0) })
        }
        index.remove(["digest-42"], payloads: [42])
        index.insert(["digest-42"], payloads: [42])
        #expect(index.snapshot.lookup("digest-42") == [42])
        #expect(index.snapshot.count == 53_001)
        // Folded (a quarter removed): still there.
        index.remove(Array(keys[17_000..<18_000]), payloads: (17_000..<18_000).map { UInt64($0) })
        #expect(index.snapshot.lookup("digest-42") == [42])
        #expect(index.snapshot.count == 52_001)
    }
}
