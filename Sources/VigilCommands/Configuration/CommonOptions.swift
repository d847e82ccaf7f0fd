import ArgumentParser
import Configuration
import Foundation
import ImageCodecs

/// Decoder limits shared by every command that reads images; read with the rest of the settings
/// (flag, `VIGIL_*` variable, config file, default).
struct DecodeLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Largest encoded image accepted, in bytes (env VIGIL_MAX_IMAGE_BYTES).", valueName: "bytes"))
    var maxImageBytes: Int?

    @Option(help: ArgumentHelp("Largest decoded image accepted, in pixels (env VIGIL_MAX_PIXELS).", valueName: "pixels"))
    var maxPixels: Int?

    func decodeLimits(configFile: String?) async throws -> DecodeLimits {
        var given: [String: ConfigValue] = [:]
        if let maxImageBytes { given["max_image_bytes"] = ConfigValue(.int(maxImageBytes), isSecret: false) }
        if let maxPixels { given["max_pixels"] = ConfigValue(.int(maxPixels), isSecret: false) }
        let settings = try await SettingsReader.open(flags: given, configFile: configFile, knownNames: ServeConfiguration.names)
        return DecodeLimits(
            maxEncodedBytes: try settings.int("max_image_bytes", default: DecodeLimits.default.maxEncodedBytes, in: 1...Int(Int32.max)),
            maxPixels: try settings.int("max_pixels", default: DecodeLimits.default.maxPixels, in: 1...Int(Int32.max)))
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

/// A comma-separated option of names (`--status queued,failed`), each one of `Value`'s.
enum CommaSeparated {
    static func parse<Value: RawRepresentable & CaseIterable>(_ text: String?, option: String) throws -> [Value]? where Value.RawValue == String {
        try text.map { text in
            try text.split(separator: ",").map { part in
                guard let value = Value(rawValue: String(part)) else {
                    throw ValidationError("\(option) takes \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not \(part)")
                }
                return value
            }
        }
    }
}
