import ImageSignals
public import ArgumentParser
import BankImport
import Banks
import ContentHashing
import Foundation
import ImageCodecs
import PDQ

extension PDQPipeline: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `vigil hash`: PDQ, MD5 and SHA-256 of image files.
struct HashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Hash still images: PDQ (with quality), MD5 and SHA-256.",
        discussion: """
            Text output is one line per file, PDQHEX,QUALITY,PATH, as Meta's reference CLI prints it
            (with --dihedral, the 8 dihedral hashes in the reference's order, one line each). JSON output
            is JSON Lines, one object per file. EXIF orientation is ignored and alpha is dropped, as in
            the reference. A file that fails is reported and the others are still hashed; the exit
            status is then 1.
            """
    )

    @Option(help: "fullres (pdqhash, python-threatexchange, HMA) or reference-cli (the C++ CLI's 512×512 squash).")
    var pipeline: PDQPipeline = .fullResolution

    @Flag(help: "Also compute the 8 dihedral (rotated and flipped) hashes.")
    var dihedral = false

    @Option(help: "text or json (JSON Lines).")
    var format: OutputFormat = .text

    @Flag(help: "Decode large JPEGs at 1/2, 1/4 or 1/8 scale (short side kept ≥ 512): about 1.6× faster end to end, hashes within 8 bits of the exact ones (docs/benchmarks.md).")
    var fastDecode = false

    @OptionGroup var limits: DecodeLimitOptions

    @Option(help: ArgumentHelp("JSON config file, one for every command (env VIGIL_CONFIG).", valueName: "file"))
    var config: String?

    @Argument(help: "Image files or folders (every file under a folder, sorted); - reads standard input.")
    var files: [String]

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
    }

    func run() async throws {
        var resolved = DecodeLimits.default
        try await CommandFailure.run { resolved = try await limits.decodeLimits(configFile: config) }
        let pipeline = self.pipeline, dihedral = self.dihedral, decodeLimits = resolved
        let decodeOptions: ImageDecoder.Options = fastDecode ? .fast : .exact
        var failed = false
        await OrderedWorkers.run(
            ImageFiles.expand(files), width: ProcessInfo.processInfo.activeProcessorCount,
            makeState: { ContentHasher(limits: decodeLimits) },
            work: { hasher, path in
                HashOutcome(path: path, result: Result { () throws(HashFailure) in
                    let bytes = try HashFailure.wrap { () throws(InputFiles.Failure) in
                        try InputFiles.read(path, limit: decodeLimits.maxEncodedBytes)
                    }
                    return try HashFailure.wrap { () throws(ImageDecodingError) in
                        try hasher.signals(of: bytes, pipeline: pipeline, dihedral: dihedral, decodeOptions: decodeOptions)
                    }
                })
            },
            emit: { outcome in
                if case .failure = outcome.result { failed = true }
                outcome.print(format: format)
            })
        if failed { throw ExitCode(1) }
    }
}

/// Why one file could not be hashed.
enum HashFailure: Error, CustomStringConvertible {
    case input(InputFiles.Failure)
    case decoding(ImageDecodingError)
    case other(String)

    var description: String {
        switch self {
        case let .input(failure): failure.description
        case let .decoding(error): error.description
        case let .other(message): message
        }
    }
}

extension HashFailure {
    static func wrap<T>(_ body: () throws(InputFiles.Failure) -> T) throws(HashFailure) -> T {
        do { return try body() } catch { throw .input(error) }
    }

    static func wrap<T>(_ body: () throws(ImageDecodingError) -> T) throws(HashFailure) -> T {
        do { return try body() } catch { throw .decoding(error) }
    }
}

struct HashOutcome: Sendable {
    let path: String
    let result: Result<ContentSignals, HashFailure>

    init(path: String, result: Result<ContentSignals, HashFailure>) {
        self.path = path
        self.result = result
    }

    func print(format: OutputFormat) {
        switch (result, format) {
        case let (.success(signals), .text):
            if signals.isTooSmallForPDQ { Standard.error(tooSmallNote(signals)) }
            for hash in signals.dihedral ?? [signals.pdq] {
                Standard.output("\(hash.hex),\(signals.quality),\(path)")
            }
        case let (.success(signals), .json):
            Standard.output(JSONValue.object(jsonFields(signals)).rendered)
        case let (.failure(failure), .text):
            Standard.error("vigil: \(path): \(failure)")
        case let (.failure(failure), .json):
            Standard.output(JSONValue.object([("path", .string(path)), ("error", .string(failure.description))]).rendered)
        }
    }

    func jsonFields(_ signals: ContentSignals) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [
            ("path", .string(path)), ("pdq", .string(signals.pdq.hex)), ("quality", .int(signals.quality)),
            ("md5", .string(signals.md5)), ("sha256", .string(signals.sha256)),
            ("width", .int(signals.width)), ("height", .int(signals.height)), ("format", .string(signals.format.rawValue)),
        ]
        if let dihedral = signals.dihedral { fields.append(("dihedral", .array(dihedral.map { .string($0.hex) }))) }
        if signals.isTooSmallForPDQ { fields.append(("note", .string(tooSmallNote(signals)))) }
        return fields
    }

    func tooSmallNote(_ signals: ContentSignals) -> String {
        "\(path): \(signals.width)×\(signals.height) is under PDQ's 5×5 minimum: hash 0 and quality 0"
    }
}
