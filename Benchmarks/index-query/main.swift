// One-needle queries at radius 31 against an index of a CSV's hashes: 20 000 queries, each a stored
// hash with 10 bits flipped; the best of 5 passes. Built by index-query.sh without the package.
import Foundation
import HammingIndex
import PDQ

let arguments = CommandLine.arguments
let text = try String(contentsOfFile: arguments[2], encoding: .utf8)
var hashes: [PDQHash] = []
for line in text.split(separator: "\n").dropFirst() { if let h = PDQHash(hex: line) { hashes.append(h) } }
let index = PDQIndex()
index.load(hashes, payloads: hashes.indices.map { UInt64($0) })
var rng = SystemRandomNumberGenerator()
var queries: [PDQHash] = []
for i in 0..<20000 {
    var q = hashes[(i * 7919) % hashes.count]
    var flipped = Set<Int>()
    while flipped.count < 10 { flipped.insert(Int.random(in: 0..<256, using: &rng)) }
    for b in flipped { q = q.flippingBit(b) }
    queries.append(q)
}
let snapshot = index.snapshot
var best = Double.infinity
var found = 0
for _ in 0..<5 {
    found = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for q in queries { found += snapshot.search([q], radius: 31).count }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    best = min(best, elapsed / Double(queries.count))
}
print(String(format: "%@: %.1f us/query (best of 5 passes over %d queries, %d hits)", arguments[1], best * 1e6, queries.count, found))
