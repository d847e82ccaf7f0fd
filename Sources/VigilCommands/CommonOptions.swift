import ArgumentParser
import Foundation
import ImageCodecs

/// Decoder limits shared by every command that reads images.
struct DecodeLimitOptions: ParsableArguments {
    @Option(help: "Largest encoded image accepted, in bytes.")
    var maxImageBytes = DecodeLimits.default.maxEncodedBytes

    @Option(help: "Largest decoded image accepted, in pixels.")
    var maxPixels = DecodeLimits.default.maxPixels

    var decodeLimits: DecodeLimits { DecodeLimits(maxEncodedBytes: maxImageBytes, maxPixels: maxPixels) }

    func validate() throws {
        guard maxImageBytes > 0, maxPixels > 0 else { throw ValidationError("limits must be positive") }
    }
}

/// Line-oriented writes to standard output and standard error.
enum Standard {
    static func output(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
