public import Foundation

/// The fuzz harness every parser's fuzz test runs (issue 32): the committed seeds of
/// `Tests/Fuzz/<target>/` as they are, then inputs mutated from them (bits flipped, bytes
/// inserted, removed and repeated, runs cut out, two seeds spliced, lengths and digits made
/// extreme) by a seeded generator.
///
/// - In the suite (CI) each target runs a fixed number of mutations from a fixed seed: the same
///   inputs every run, a few seconds in all.
/// - `make fuzz SECONDS=N` sets `VIGIL_FUZZ_SECONDS`: each target then runs for N seconds from
///   a seed drawn at random (printed, with `VIGIL_FUZZ_SEED` to repeat it).
///
/// The body may throw (a refusal is a parser's answer to garbage); a trap, a crash, or (in a
/// timed run) an input that takes over `slowLimit` (2 s) is a finding. A run that never ends is
/// stopped by the suite's timeout, which names the test. Before each input runs it is written to `fuzz-findings/<target>/last-input`, so the
/// input that brought the process down is on disk: copy it into `Tests/Fuzz/<target>/` (a
/// regression seed, replayed by every run from then on) and fix the parser.
public enum Fuzzing {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Summary: Sendable, CustomStringConvertible {
        public var target: String
        public var inputs = 0
        public var refused = 0
        public var seed: UInt64
        /// Every seed and mutation ran (a timed run counts as complete when its time is up).
        public var complete = false
        /// Inputs that took longer than `slowLimit` (a parser that nearly hangs), kept in
        /// fuzz-findings/TARGET/slow-N.
        public var slow: [String] = []
        public var description: String {
            "\(target): \(inputs) inputs (\(refused) refused) from seed \(seed)" + (slow.isEmpty ? "" : "; slow inputs kept in \(slow)")
        }
    }

    /// The committed seeds of `target`, sorted by name; at least one is required.
    public static func seeds(_ target: String) throws -> [[UInt8]] {
        let folder = repository.appendingPathComponent("Tests/Fuzz/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else { throw Missing(target: target) }
        return try names.map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    public struct Missing: Error, CustomStringConvertible {
        let target: String
        public var description: String { "no seeds in Tests/Fuzz/\(target)" }
    }

    /// Runs `body` on every seed and then on mutations of them; returns what ran.
    public static func run(_ target: String, mutations: Int = 3000, maxLength: Int = 1 << 16, slowLimit: Duration = .seconds(2),
                           _ body: ([UInt8]) async throws -> Void) async throws -> Summary {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["VIGIL_FUZZ_SECONDS"].flatMap(Double.init)
        let seed = environment["VIGIL_FUZZ_SEED"].flatMap(UInt64.init) ?? (seconds == nil ? 0x5EED_F022 : UInt64.random(in: 1 ... .max))
        if seconds != nil { print("fuzz \(target): seed \(seed) (VIGIL_FUZZ_SEED=\(seed) repeats it)") }
        let seeds = try Self.seeds(target)
        let findings = repository.appendingPathComponent("fuzz-findings/\(target)")
        try FileManager.default.createDirectory(at: findings, withIntermediateDirectories: true)
        let last = findings.appendingPathComponent("last-input")
        var summary = Summary(target: target, seed: seed)
        var generator = Mutator(seed: seed)
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        var index = 0
        while true {
            let input: [UInt8]
            if index < seeds.count {
                input = seeds[index]
            } else {
                if let deadline { if Date() >= deadline { break } } else if index >= seeds.count + mutations { break }
                input = generator.mutate(seeds, maxLength: maxLength)
            }
            index += 1
            try Data(input).write(to: last)
            let started = ContinuousClock.now
            do { try await body(input) } catch { summary.refused += 1 }
            // A parser's work is synchronous: each input gives the suite's other tests their turn.
            await Task.yield()
            // Timed only where a run has the machine to itself (make fuzz): in the parallel suite a
            // loaded machine, not the parser, makes an input slow (a hang there meets the suite's timeout).
            if seconds != nil, ContinuousClock.now - started > slowLimit {
                let kept = findings.appendingPathComponent("slow-\(summary.slow.count)")
                try Data(input).write(to: kept)
                summary.slow.append(kept.path)
            }
            summary.inputs += 1
        }
        try? FileManager.default.removeItem(at: last)
        summary.complete = (seconds != nil || summary.inputs == seeds.count + mutations) && summary.slow.isEmpty
        return summary
    }
}

/// Seeded mutations (the suite's seeded generator): the same seed gives the same inputs on every
/// machine.
public struct Mutator: Sendable {
    var random: HashGenerator

    public init(seed: UInt64) { random = HashGenerator(seed: seed) }

    public mutating func next() -> UInt64 { random.next() }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// Bytes a parser treats specially: delimiters, quotes, markup, escapes, digits and signs.
    static let interesting: [[UInt8]] = [
        [0], [0xFF], [0x0A], [0x0D, 0x0A], [0x22], [0x27], [0x2C], [0x3B], [0x09], [0x3C], [0x3E], [0x26], [0x5C], [0x7B], [0x7D], [0x5B], [0x5D],
        Array("-".utf8), Array("9999999999999999999999".utf8), Array("-1".utf8), Array("1e309".utf8), Array("NaN".utf8), Array("null".utf8),
        Array("<![CDATA[".utf8), Array("]]>".utf8), Array("&amp;".utf8), Array("&#0;".utf8), Array("{{".utf8), Array("}}".utf8),
        Array("\\u0000".utf8), [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98, 0x80], Array("--".utf8),
    ]

    public mutating func mutate(_ seeds: [[UInt8]], maxLength: Int) -> [UInt8] {
        var bytes = seeds[below(seeds.count)]
        for _ in 0...below(4) {
            switch below(9) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let at = below(bytes.count)
                bytes[at] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty:  // set a byte
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next())
            case 2:  // insert something a parser cares about
                let token = Self.interesting[below(Self.interesting.count)]
                bytes.insert(contentsOf: token, at: below(bytes.count + 1))
            case 3 where !bytes.isEmpty:  // remove a run
                let from = below(bytes.count)
                bytes.removeSubrange(from..<min(bytes.count, from + 1 + below(32)))
            case 4 where !bytes.isEmpty:  // repeat a run many times (deep nesting, long fields)
                let from = below(bytes.count)
                let run = Array(bytes[from..<min(bytes.count, from + 1 + below(16))])
                let times = [2, 16, 256, 4096][below(4)]
                bytes.insert(contentsOf: Array(repeating: run, count: times).joined(), at: from)
            case 5 where !bytes.isEmpty:  // cut the end off
                bytes.removeSubrange(below(bytes.count)...)
            case 6:  // splice another seed in
                let other = seeds[below(seeds.count)]
                if !other.isEmpty {
                    let from = below(other.count)
                    bytes.insert(contentsOf: other[from..<min(other.count, from + 1 + below(256))], at: below(bytes.count + 1))
                }
            case 7 where !bytes.isEmpty:  // swap two bytes
                bytes.swapAt(below(bytes.count), below(bytes.count))
            default:  // a digit run made extreme
                if let at = bytes.indices.filter({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }).randomElement(using: &self) {
                    bytes.insert(contentsOf: Array("99999999999999999999".utf8), at: at)
                }
            }
        }
        return bytes.count > maxLength ? Array(bytes.prefix(maxLength)) : bytes
    }
}

extension Mutator: RandomNumberGenerator {}
