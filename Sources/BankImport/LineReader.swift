import Banks
import Foundation

/// Reads a file line by line in constant memory, counting lines (from 1) and bytes.
final class LineReader {
    private let handle: FileHandle
    private var buffer = [UInt8]()
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0
    /// Whether the last line ended with "\r\n" (a CSV field that spans lines keeps it).
    private(set) var lastLineEndedWithCR = false
    private(set) var bytesRead = 0
    let totalBytes: Int?

    /// Bytes of the lines returned so far: what a checkpoint may claim is done (the buffer runs up
    /// to a MiB ahead of it).
    var bytesConsumed: Int { bytesRead - (buffer.count - start) }

    /// The share of the file consumed so far, when its size is known.
    var progress: Double? { totalBytes.map { $0 == 0 ? 1 : Double(bytesConsumed) / Double($0) } }

    init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImportError("\(url.path): no such file")
        }
        if isDirectory.boolValue {
            throw ImportError("\(url.path) is a folder: this format reads one file (a folder of images is imported with --format images)")
        }
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw ImportError("\(url.path): cannot read it (\((error as NSError).localizedDescription))")
        }
        totalBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
    }

    deinit { try? handle.close() }

    /// The next line without its terminator (`\n` or `\r\n`), or nil at the end.
    func next() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                lastLineEndedWithCR = end > start && buffer[end - 1] == 0x0D
                if lastLineEndedWithCR { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                lastLineEndedWithCR = buffer[end - 1] == 0x0D
                if lastLineEndedWithCR { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = buffer.count
                lineNumber += 1
                return line
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true }
            buffer.removeSubrange(0..<start)
            start = 0
            buffer.append(contentsOf: chunk)
            bytesRead += chunk.count
        }
    }
}
