import Banks
import ContentHashing
public import Foundation

/// Image files, or every file under a folder (sorted, recursively), hashed and added as entries.
/// A file that is not a decodable image is rejected with its position and path. Hashing runs on
/// the hashing pool's background lane: in a server, behind every lookup that waits for a thread.
struct ImageFileReader: ImportReader {
    private let files: [URL]
    private let root: URL
    private var index = 0
    private let hashing: ImageHashingPool
    private let addedBy: String
    /// What a single file is called where it came from (an upload's own name, not the spool file's).
    private let singleName: String?

    init(url: URL, name: String? = nil, hashing: ImageHashingPool, addedBy: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImportError("\(url.path): no such file or folder")
        }
        if isDirectory.boolValue {
            files = ImageFiles.inFolder(url)
            root = url
            singleName = nil
        } else {
            singleName = name
            files = [url]
            root = url.deletingLastPathComponent()
        }
        self.hashing = hashing
        self.addedBy = addedBy
    }

    var progress: Double? { files.isEmpty ? 1 : Double(index) / Double(files.count) }

    mutating func next() async throws -> ImportItem? {
        guard index < files.count else { return nil }
        let file = files[index]
        index += 1
        let name = singleName ?? String(file.path.dropFirst(root.path.count).drop { $0 == "/" })
        guard let data = try? Data(contentsOf: file) else { return .rejected(line: index, reason: "\(name): cannot read") }
        do {
            let bytes = [UInt8](data)
            let signals = try await hashing.run(.background) { hasher in try hasher.signals(of: bytes) }
            return .entry(line: index, NewEntry(
                signals: EntrySignals(pdq: signals.usablePDQ, pdqQuality: signals.quality, md5: signals.md5, sha256: signals.sha256),
                metadata: EntryMetadata(source: "image", note: name), addedBy: addedBy))
        } catch {
            return .rejected(line: index, reason: "\(name): \(error)")
        }
    }
}

/// The files a folder argument stands for, the same for `bank import`, `hash` and `match`.
public enum ImageFiles {
    /// Every regular file under `folder`, recursively, sorted by path.
    public static func inFolder(_ folder: URL) -> [URL] {
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        return (walker?.compactMap { $0 as? URL } ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.path < $1.path }
    }

    /// Paths as given, each folder replaced by the files under it.
    public static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            return inFolder(URL(fileURLWithPath: path)).map(\.path)
        }
    }
}
