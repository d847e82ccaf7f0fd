// The index at scale, without the package: N hashes and 2 000 queries of 8 needles generated in
// memory, the same as IndexBench makes them (BenchmarkInputs/BenchmarkHashes.swift, compiled with
// this file). Built by index-scale.sh with swiftc -O.
// Usage: bench LABEL N [--write DIR] [--exactness]
//   --write DIR    also writes DIR/hashes.bin and DIR/queries.bin (32 big-endian bytes a hash) for faiss
//   --exactness    checks 200 queries against brute force at every radius 0...31, one needle and eight
// Environment: SAMPLE=… queries checked against brute force at radius 31 (default 50; without
// --exactness), PASSES=… timed passes over the 2 000 queries, the best kept (default 3).
import Foundation
import HammingIndex
import PDQ

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
/// The process's resident memory now (VmRSS), or at its peak so far (VmHWM), in MiB.
/// A figure that cannot be read stops the run (a silent 0 was printed as a peak once).
func residentMB(_ field: String = "VmRSS:") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          // "VmHWM:\t9170000 kB": a tab, and spaces only when the number is short.
          let kB = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Double($0) })
    else { fatalError("\(field) not read from /proc/self/status") }
    return kB / 1024
}
func write(_ hashes: [PDQHash], to path: String) {
    var bytes = [UInt8](); bytes.reserveCapacity(hashes.count * 32)
    for h in hashes { for w in [h.w3, h.w2, h.w1, h.w0] { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) } } }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("could not write \(path)") }
}

let arguments = CommandLine.arguments
let label = arguments[1], n = Int(arguments[2])!
let writeDir = arguments.firstIndex(of: "--write").map { arguments[$0 + 1] }
let checkExactness = arguments.contains("--exactness")

var hashes: [PDQHash], queries: [PDQHash]
(hashes, queries) = BenchmarkHashGenerator.indexData(count: n)
if let dir = writeDir {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    write(hashes, to: dir + "/hashes.bin")
    write(queries, to: dir + "/queries.bin")
}
let single = stride(from: 0, to: queries.count, by: 8).map { queries[$0] }
// Brute force for a sample, before the index exists (so its memory is not counted).
let sample = checkExactness ? 200 : Int(ProcessInfo.processInfo.environment["SAMPLE"] ?? "50")!
func bruteForce(_ needles: ArraySlice<PDQHash>) -> [(position: Int, distance: Int)] {
    var out: [(Int, Int)] = []
    hashes.withUnsafeBufferPointer { stored in
        for i in 0..<stored.count {
            var best = 256
            for needle in needles { best = min(best, stored[i].distance(to: needle)) }
            if best <= 31 { out.append((i, best)) }
        }
    }
    return out
}
var expectedOne: [[(position: Int, distance: Int)]] = [], expectedEight: [[(position: Int, distance: Int)]] = []
for q in 0..<sample {
    expectedOne.append(bruteForce(queries[(q * 8)..<(q * 8 + 1)]))
    if checkExactness { expectedEight.append(bruteForce(queries[(q * 8)..<(q * 8 + 8)])) }
}

let before = residentMB()
let index = PDQIndex()
var t = now()
index.load(hashes, payloads: (0..<UInt64(n)).map { $0 })
let build = now() - t
// REMOVE=k: what a bank deletion does to the index, timed after the queries (below).
let removing = Array(hashes.prefix(Int(ProcessInfo.processInfo.environment["REMOVE"] ?? "0")!))
hashes = []
let snapshot = index.snapshot
// The peak: the caller's hashes (as a server holds its load's rows) and the build's scratch beside the tables.
print(String(format: "%@: %d hashes: built in %.1f s, structures %.0f MB, resident +%.0f MB; the process's peak so far %.0f MB", label, n, build,
             Double(snapshot.byteCount) / 1e6, residentMB() - before, residentMB("VmHWM:")))

var mismatches = 0
for q in 0..<sample {
    let radii = checkExactness ? Array(0...31) : [31]
    for radius in radii {
        let want1 = Set(expectedOne[q].filter { $0.distance <= radius }.map { UInt64($0.position) })
        if Set(snapshot.search([single[q]], radius: radius).map(\.payload)) != want1 { mismatches += 1 }
        if checkExactness {
            let want8 = Set(expectedEight[q].filter { $0.distance <= radius }.map { UInt64($0.position) })
            if Set(snapshot.search(Array(queries[(q * 8)..<(q * 8 + 8)]), radius: radius).map(\.payload)) != want8 { mismatches += 1 }
        }
    }
}
print("\(label): exact against brute force (\(sample) queries, \(checkExactness ? "radius 0...31, 1 and 8 needles" : "radius 31, 1 needle")): \(mismatches == 0 ? "yes" : "NO, \(mismatches) mismatches")")

var bestOne = Double.infinity, bestEight = Double.infinity, hitsOne = 0, hitsEight = 0
for _ in 0..<Int(ProcessInfo.processInfo.environment["PASSES"] ?? "3")! {
    hitsOne = 0
    t = now()
    for q in single { hitsOne += snapshot.search([q], radius: 31).count }
    bestOne = min(bestOne, (now() - t) / Double(single.count))
    hitsEight = 0
    t = now()
    for i in stride(from: 0, to: queries.count, by: 8) { hitsEight += snapshot.search(Array(queries[i..<(i + 8)]), radius: 31).count }
    bestEight = min(bestEight, (now() - t) / Double(single.count))
}
print(String(format: "%@: 1 needle %.3f ms (%d hits), 8 needles %.3f ms (%d hits) = %.2fx one; resident %.0f MB",
             label, bestOne * 1000, hitsOne, bestEight * 1000, hitsEight, bestEight / bestOne, residentMB()))

if !removing.isEmpty {
    t = now()
    var slowest = 0.0
    #if INDEX_DROP
    // DROP=1 (a revision with `removeAll(where:)`): as a replica drops a bank whose deletion began, in one pass.
    index.removeAll { $0 < UInt64(removing.count) }
    slowest = now() - t
    let how = "in one pass"
    #else
    // As the change-log follower applied a bank deletion: one remove of 2 000 pairs a batch.
    for start in stride(from: 0, to: removing.count, by: 2000) {
        let batch = now()
        let end = min(start + 2000, removing.count)
        index.remove(Array(removing[start..<end]), payloads: (UInt64(start)..<UInt64(end)).map { $0 })
        slowest = max(slowest, now() - batch)
    }
    let how = "in batches of 2 000"
    #endif
    let removal = now() - t
    let after = index.snapshot
    let left = removing.prefix(200).enumerated().filter { position, hash in
        after.search([hash], radius: 0).contains { $0.payload == UInt64(position) }
    }.count
    print(String(format: "%@: removed %d pairs %@: %.1f s (%.1f µs a pair; slowest batch %.1f ms); %d of 200 checked still found",
                 label, removing.count, how, removal, removal / Double(removing.count) * 1e6, slowest * 1000, left))
}
