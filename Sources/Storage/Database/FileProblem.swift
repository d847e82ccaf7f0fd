import Foundation

/// A file-system error in words ("permission denied", "a file is in the way"), not Foundation's
/// `Error Domain=NSCocoaErrorDomain Code=513 …`.
public enum FileProblem {
    /// `path` is where the failing operation pointed: a file standing where a folder should be is
    /// found by walking up from it.
    public static func describe(_ error: any Error, path: String? = nil) -> String {
        if let path {
            var url = URL(fileURLWithPath: path)
            while url.path != "/" {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                    if !isDirectory.boolValue { return "\(url.path) is a file, not a folder" }
                    if !FileManager.default.isWritableFile(atPath: url.path) { return "\(url.path) is not writable" }
                    break
                }
                url.deleteLastPathComponent()
            }
        }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteFileExists: return "a file is in the way"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileWriteOutOfSpace: return "no space left"
        default: return ns.localizedDescription
        }
    }
}
