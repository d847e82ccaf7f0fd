public import Foundation

/// Runs Debian's ImageMagick `convert` to make test images in other formats from benign reference
/// photos, and to read back reference pixels. `.ci/run` installs it.
public enum ImageMagick {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `convert ARGS…` and its standard output.
    @discardableResult
    public static func convert(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "convert \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return data
    }

    /// Converts `source` to `format` (an ImageMagick output spec such as `png:` or `webp:`), with
    /// extra options before the output, and returns the file's bytes.
    public static func encode(_ source: URL, to spec: String, options: [String] = []) throws -> [UInt8] {
        [UInt8](try convert([source.path] + options + ["\(spec)-"]))
    }

    /// Raw 8-bit RGB as ImageMagick decodes `bytes`.
    public static func rgb(of bytes: [UInt8], format: String) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).\(format)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return [UInt8](try convert([file.path + "[0]", "-depth", "8", "rgb:-"]))
    }
}

/// A temporary directory removed when the test ends.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let target = url.appendingPathComponent(name)
        try Data(bytes).write(to: target)
        return target
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
