@testable import HammingIndex
import Testing

/// The two-level set of removed pairs: one element is in one of its sets, whichever order of
/// inserts and removes, across the recent set joining the settled one.
@Suite struct RemovalSetTests {
    @Test func anElementIsHeldOnceAcrossBothSets() {
        var set = RemovalSet<Int>(recentMinimum: 4)
        set.insert(0..<5)  // past 4: joins the settled set
        set.insert([3, 4, 5])
        #expect(set.count == 6)
        #expect(set.remove(3) == 3)
        #expect(!set.contains(3) && set.count == 5)
        #expect(set.remove(3) == nil)
        set.insert([3])
        #expect(set.contains(3) && set.count == 6)
        #expect(Set(set.elements) == Set(0...5))
        var seen: [Int] = []
        set.forEach { seen.append($0) }
        #expect(seen.sorted() == Array(0...5))
    }

    /// Random inserts and removes against a plain Set, with a threshold small enough that the
    /// recent set joins the settled one many times.
    @Test func randomOperationsAgreeWithASet() {
        var set = RemovalSet<Int>(recentMinimum: 8)
        var reference = Set<Int>()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        for _ in 0..<5_000 {
            if next(3) == 0 {
                let element = next(400)
                #expect(set.remove(element) == reference.remove(element))
            } else {
                let batch = (0..<(1 + next(20))).map { _ in next(400) }
                set.insert(batch)
                reference.formUnion(batch)
            }
            #expect(set.count == reference.count)
        }
        #expect(Set(set.elements) == reference)
    }
}
