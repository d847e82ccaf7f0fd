import Foundation
import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// The index must return exactly what a brute-force scan returns.
@Suite struct PDQIndexTests {
    struct Expected: Hashable {
        let payload: UInt64
        let distance: Int
    }

    static func bruteForce(_ stored: [PDQHash], _ needles: [PDQHash], radius: Int) -> Set<Expected> {
        var out = Set<Expected>()
        for (i, hash) in stored.enumerated() {
            let d = needles.map { hash.distance(to: $0) }.min() ?? Int.max
            if d <= radius { out.insert(Expected(payload: UInt64(i), distance: d)) }
        }
        return out
    }

    static func found(_ index: PDQIndex, _ needles: [PDQHash], radius: Int) -> Set<Expected> {
        Set(index.snapshot.search(needles, radius: radius).map { Expected(payload: $0.payload, distance: $0.distance) })
    }

    /// Queries: half near-duplicates of stored hashes (0–45 bits away), half random.
    static func queries(_ stored: [PDQHash], count: Int, generator: inout HashGenerator) -> [PDQHash] {
        (0..<count).map { i in
            i % 2 == 0 ? generator.near(stored[Int(generator.next() % UInt64(stored.count))], distance: Int(generator.next() % 46))
                : generator.randomHash()
        }
    }

    @Test(arguments: [0, 31, 63], [false, true])
    func equalsBruteForceOnClusteredData(radius: Int, clustered: Bool) throws {
        var generator = HashGenerator(seed: UInt64(radius) + (clustered ? 100 : 0))
        let stored = clustered ? generator.clustered(count: 20_000) : (0..<20_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        for needleCount in [1, 8] {
            for _ in 0..<25 {
                let needles = Self.queries(stored, count: needleCount, generator: &generator)
                let got = Self.found(index, needles, radius: radius)
                #expect(got == Self.bruteForce(stored, needles, radius: radius), "radius \(radius), \(needleCount) needles")
            }
        }
    }

    @Test func reportsTheClosestNeedleAsTheVariant() {
        var generator = HashGenerator(seed: 5)
        let stored = (0..<10_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        let target = stored[1234]
        var needles = (0..<8).map { _ in generator.randomHash() }
        needles[5] = generator.near(target, distance: 7)
        needles[2] = generator.near(target, distance: 20)
        let hits = index.snapshot.search(needles, radius: 31)
        #expect(hits.count == 1)
        #expect(hits.first?.payload == 1234 && hits.first?.distance == 7 && hits.first?.needle == 5)
        #expect(hits.first?.hash == target)
    }

    /// Two needles at the same distance: the hit names the first, whichever slot finds the other.
    @Test func aTieGoesToTheFirstNeedle() throws {
        var generator = HashGenerator(seed: 8)
        let stored = (0..<10_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        for trial in 0..<20 {
            let target = stored[trial * 37]
            var needles = (0..<8).map { _ in generator.randomHash() }
            needles[6] = generator.near(target, distance: 9)
            needles[3] = generator.near(target, distance: 9)
            let hit = try #require(index.snapshot.search(needles, radius: 31).first { $0.payload == UInt64(trial * 37) })
            #expect(hit.needle == 3 && hit.distance == 9)
        }
    }

    /// A query of many needles is searched in chunks (segments number needles in 16 bits); each
    /// hit still names the needle it matched.
    @Test func aQueryOfManyNeedlesNamesTheRightOne() throws {
        var generator = HashGenerator(seed: 6)
        let stored = (0..<6_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        var needles = (0..<8_200).map { _ in generator.randomHash() }
        needles[8_199] = generator.near(stored[17], distance: 3)
        needles[4_100] = generator.near(stored[99], distance: 2)
        let hits = index.snapshot.search(needles, radius: 5)
        let first = try #require(hits.first { $0.payload == 17 }), second = try #require(hits.first { $0.payload == 99 })
        #expect(first.needle == 8_199 && first.distance == 3)
        #expect(second.needle == 4_100 && second.distance == 2)
    }

    @Test func boundaryIsInclusive() {
        var generator = HashGenerator(seed: 9)
        let stored = (0..<8_000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        let needle = generator.near(stored[42], distance: 31)
        #expect(index.snapshot.search([needle], radius: 31).map(\.payload) == [42])
        #expect(index.snapshot.search([needle], radius: 30).isEmpty)
    }

    @Test func incrementalAddsAndRemovesMatchBruteForce() throws {
        var generator = HashGenerator(seed: 77)
        var live: [UInt64: PDQHash] = [:]
        let index = PDQIndex()
        var nextPayload: UInt64 = 0
        // Batches of varied size drive flat segments, promotions and merges.
        for round in 0..<40 {
            let batch = generator.clustered(count: [1, 7, 300, 5000, 9000][round % 5])
            let payloads = batch.indices.map { _ in nextPayload &+= 1; return nextPayload }
            index.insert(batch, payloads: payloads)
            for (p, h) in zip(payloads, batch) { live[p] = h }
            if round % 3 == 2 {
                let victims = live.keys.shuffled(using: &generator).prefix(live.count / 10)
                index.remove(try victims.map { try #require(live[$0]) }, payloads: Array(victims))
                for v in victims { live[v] = nil }
            }
        }
        #expect(index.snapshot.count == live.count)
        #expect(index.snapshot.segmentCount < 20)
        let storedPayloads = Array(live.keys)
        let stored = try storedPayloads.map { try #require(live[$0]) }
        for _ in 0..<30 {
            let needles = Self.queries(stored, count: 8, generator: &generator)
            let got = Self.found(index, needles, radius: 31)
            let want = Set(Self.bruteForce(stored, needles, radius: 31).map { Expected(payload: storedPayloads[Int($0.payload)], distance: $0.distance) })
            #expect(got == want)
        }
    }

    @Test func removedThenReAddedHashIsFoundOnce() {
        var generator = HashGenerator(seed: 3)
        let stored = (0..<6000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        index.remove([stored[10]], payloads: [10])
        #expect(index.snapshot.search([stored[10]], radius: 0).isEmpty)
        index.insert([stored[10]], payloads: [10])
        #expect(index.snapshot.search([stored[10]], radius: 0).map(\.payload) == [10])
    }

    /// Readers run against snapshots while a writer adds batches: every read sees each batch whole
    /// or not at all, and never blocks on the writer.
    @Test func concurrentReadsDuringWritesSeeWholeBatches() async {
        var generator = HashGenerator(seed: 11)
        let index = PDQIndex()
        index.load((0..<20_000).map { _ in generator.randomHash() }, payloads: (0..<20_000).map { UInt64($0) + 1_000_000 })
        // Batch b holds 500 near-copies of one centre, so a reader can count the batch's members.
        let centres = (0..<40).map { _ in generator.randomHash() }
        let batches = centres.map { c in (0..<500).map { _ in generator.near(c, distance: 3) } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for (b, batch) in batches.enumerated() {
                    index.insert(batch, payloads: (0..<500).map { UInt64(b * 500 + $0) })
                }
            }
            for reader in 0..<2 {
                group.addTask {
                    for i in 0..<400 {
                        let centre = centres[(i + reader) % centres.count]
                        let count = index.snapshot.search([centre], radius: 6).count
                        #expect(count == 0 || count == 500, "a reader saw \(count) of a 500-hash batch")
                    }
                }
            }
        }
        #expect(index.snapshot.count == 40_000)
    }
}

@Suite struct ExactIndexTests {
    @Test func lookupsFollowInsertsAndRemoves() {
        let index = ExactIndex<String>()
        index.load(["a", "b", "a"], payloads: [1, 2, 3])
        #expect(Set(index.snapshot.lookup("a")) == [1, 3])
        index.insert(["c"], payloads: [4])
        index.remove(["a"], payloads: [1])
        let snapshot = index.snapshot
        #expect(snapshot.lookup("a") == [3] && snapshot.lookup("c") == [4] && snapshot.lookup("z").isEmpty)
        for i in 0..<5000 { index.insert(["k\(i)"], payloads: [UInt64(i + 10)]) }
        #expect(index.snapshot.lookup("k4999") == [5009] && index.snapshot.lookup("a") == [3])
        // An old snapshot is unaffected by later writes.
        #expect(snapshot.lookup("k1").isEmpty)
    }
}
