import Benchmark
import BenchmarkInputs
import ContentHashing
import Foundation
import ImageCodecs
import PDQ

/// PDQ from decoded pixels, and file → signals end to end, on the reference and wallpaper photos.
/// `Benchmarks/reference/pdqhash_bench.py` times Meta's pdqhash and Pillow on the same files.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds,
        warmupIterations: 3, maxDuration: .seconds(3), maxIterations: 300)

    var cases: [(String, URL)] = [
        ("square-512x512", BenchmarkInputs.reference.appendingPathComponent("bridge-mods/square-512x512.jpg")),
        ("bridge-1600x1004", BenchmarkInputs.reference.appendingPathComponent("reg-test-input/dih/bridge-1-original.jpg")),
    ]
    if let wallpaper = BenchmarkInputs.largestWallpaper { cases.append(("wallpaper-largest", wallpaper)) }

    for (name, url) in cases {
        let bytes = BenchmarkInputs.bytes(url)
        guard let image = try? ImageDecoder().decode(bytes) else { continue }
        let size = "\(image.width)x\(image.height)"
        let hasher = PDQHasher()

        Benchmark("PDQ fullres from pixels \(name) \(size)") { benchmark in
            image.pixels.withUnsafeBufferPointer { pixels in
                let view = PixelView(bytes: pixels, width: image.width, height: image.height, layout: .rgb)
                for _ in benchmark.scaledIterations { blackHole(hasher.hash(view)) }
            }
        }
        Benchmark("PDQ dihedral from pixels \(name) \(size)") { benchmark in
            image.pixels.withUnsafeBufferPointer { pixels in
                let view = PixelView(bytes: pixels, width: image.width, height: image.height, layout: .rgb)
                for _ in benchmark.scaledIterations { blackHole(hasher.dihedralHashes(view)) }
            }
        }
        let content = ContentHasher()
        Benchmark("file to signals \(name) \(size)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try content.signals(of: bytes)) }
        }
        Benchmark("file to signals fast-decode \(name) \(size)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try content.signals(of: bytes, decodeOptions: .fast)) }
        }
        Benchmark("JPEG decode \(name) \(size)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try ImageDecoder().decode(bytes)) }
        }
    }
}
