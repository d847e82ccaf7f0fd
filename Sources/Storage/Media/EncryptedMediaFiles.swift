public import Cases
public import Foundation
public import Vault

/// The evidence files of earlier versions, on disk in `<data dir>/evidence`, each sealed with the vault's data key
/// (AES-256-GCM) and named by an HMAC of its SHA-256: no plaintext byte of an image and no
/// hash of one is written anywhere. A file is written to a temporary name and renamed, so a
/// crash leaves a whole file or none.
public struct EncryptedMediaFiles: MediaFiles {
    let directory: URL
    let key: DataKey

    public init(directory: URL, key: DataKey) {
        self.directory = directory
        self.key = key
    }

    public func url(_ sha256: String, _ kind: MediaFileKind) -> URL {
        let name = key.fileName(for: sha256)
        return directory.appendingPathComponent(String(name.prefix(2)), isDirectory: true)
            .appendingPathComponent(kind == .original ? name : "\(name).preview")
    }

    public func write(_ bytes: [UInt8], sha256: String, kind: MediaFileKind) async throws {
        let target = url(sha256, kind)
        let sealed = try key.seal(bytes, name: "\(sha256)/\(kind.rawValue)")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.appendingPathExtension("tmp-\(UUID().uuidString)")
        try sealed.write(to: temporary)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        try FileManager.default.moveItem(at: temporary, to: target)
    }

    public func read(sha256: String, kind: MediaFileKind) async throws -> [UInt8] {
        let sealed = try Data(contentsOf: url(sha256, kind))
        return try key.open(sealed, name: "\(sha256)/\(kind.rawValue)")
    }

    public func delete(sha256: String) async throws {
        for kind in [MediaFileKind.original, .preview] {
            let target = url(sha256, kind)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        }
    }
}
