import Foundation
import ImageCodecs

/// The photos every benchmark runs on: the PDQ reference images and Debian's wallpaper photographs.
public enum BenchmarkInputs {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let reference = root.deletingLastPathComponent().appendingPathComponent("shared/data/pdq-reference")

    /// `(name, path)` of each reference JPEG.
    public static var referenceJPEGs: [URL] {
        let dirs = ["reg-test-input/dih", "reg-test-input/labelme-subset", "misc-images", "bridge-mods"]
        return dirs.flatMap { jpegs(in: reference.appendingPathComponent($0)) }
    }

    /// The JPEG photographs of plasma-workspace-wallpapers (installed by `Benchmarks/run.sh`).
    public static var wallpapers: [URL] {
        let root = URL(fileURLWithPath: "/usr/share/wallpapers")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension.lowercased() == "jpg" }.sorted { $0.path < $1.path }
    }

    static func jpegs(in dir: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "jpg" }.sorted { $0.path < $1.path }
    }

    public static func bytes(_ url: URL) -> [UInt8] {
        [UInt8]((try? Data(contentsOf: url)) ?? Data())
    }

    /// The largest wallpaper by pixel count, for the "large photo" benchmarks.
    public static var largestWallpaper: URL? {
        wallpapers.max { a, b in pixels(a) < pixels(b) }
    }

    static func pixels(_ url: URL) -> Int {
        guard let image = try? ImageDecoder().decode(bytes(url)) else { return 0 }
        return image.width * image.height
    }
}
