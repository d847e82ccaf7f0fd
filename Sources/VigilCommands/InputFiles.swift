import Foundation

/// Reads the files named on a command line (`-` is standard input), never more than a byte limit.
enum InputFiles {
    enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case isDirectory
        case tooLarge(limit: Int)

        var description: String {
            switch self {
            case let .unreadable(reason): "cannot read: \(reason)"
            case .isDirectory: "is a directory"
            case let .tooLarge(limit): "is larger than the limit of \(limit) bytes"
            }
        }
    }

    /// The bytes of `path`, or a failure once more than `limit` bytes have been seen.
    static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .unreadable("no such file")
            }
            if isDirectory.boolValue { throw .isDirectory }
            guard let opened = FileHandle(forReadingAtPath: path) else { throw .unreadable("permission denied") }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        do {
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw Failure.tooLarge(limit: limit) }
            return [UInt8](data)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .unreadable(error.localizedDescription)
        }
    }
}
